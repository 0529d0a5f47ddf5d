/* policy-notify.c - the supervisor's side of seccomp denials: evaluate a policy on a
 * notification and answer it.
 *
 * The child runs the notify-mode program (policy.c), which sends every syscall the policy
 * would not allow to the supervisor as a SECCOMP_RET_USER_NOTIF.  Here the supervisor runs
 * the enforcing program on the same seccomp_data in a small classic-BPF interpreter and
 * answers with its verdict.  Why this is safe:
 *   - the verdict depends only on the registers the kernel captured (seccomp_data), never on
 *     the job's memory, so there is no time-of-check/time-of-use race even though the job
 *     can change its memory while waiting;
 *   - we never answer a kill: the syscall stays blocked until the caller kills the job;
 *   - "continue" (SECCOMP_USER_NOTIF_FLAG_CONTINUE) is only used for `log` rules, which
 *     allow the call anyway;
 *   - if the supervisor dies, the kernel fails every pending and later notified syscall with
 *     ENOSYS: denials stay denials;
 *   - the job cannot install a second listener to answer its own notifications: the kernel
 *     refuses a NEW_LISTENER filter below one that has a listener (EBUSY), and a job's own
 *     TRACE/LOG filters rank below USER_NOTIF.
 */
#include <errno.h>
#include <linux/audit.h>
#include <pthread.h>
#include <stdbool.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "policy.h"

/* Classic BPF as seccomp accepts it (kernel/seccomp.c seccomp_check_filter): loads from
 * seccomp_data, scratch memory, ALU, forward jumps, returns.  Anything else: kill. */
uint32_t policy_bpf_run(const struct sock_fprog *prog, const struct seccomp_data *d)
{
        uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {0};
        const uint32_t kill = SECCOMP_RET_KILL_PROCESS;

        for (size_t pc = 0; pc < prog->len; pc++) {
                const struct sock_filter *f = &prog->filter[pc];
                uint32_t k = f->k;
                uint32_t src = BPF_SRC(f->code) == BPF_X ? x : k;

                switch (BPF_CLASS(f->code)) {
                case BPF_LD:
                case BPF_LDX: {
                        uint32_t v;
                        switch (BPF_MODE(f->code)) {
                        case BPF_ABS:
                                if (BPF_SIZE(f->code) != BPF_W || k % 4 != 0 || k > sizeof(*d) - 4)
                                        return kill;
                                memcpy(&v, (const char *)d + k, 4);
                                break;
                        case BPF_LEN:
                                v = sizeof(*d);
                                break;
                        case BPF_IMM:
                                v = k;
                                break;
                        case BPF_MEM:
                                if (k >= BPF_MEMWORDS)
                                        return kill;
                                v = mem[k];
                                break;
                        default:
                                return kill;
                        }
                        if (BPF_CLASS(f->code) == BPF_LD)
                                a = v;
                        else
                                x = v;
                        break;
                }
                case BPF_ST:
                case BPF_STX:
                        if (k >= BPF_MEMWORDS)
                                return kill;
                        mem[k] = BPF_CLASS(f->code) == BPF_ST ? a : x;
                        break;
                case BPF_ALU:
                        switch (BPF_OP(f->code)) {
                        case BPF_ADD:
                                a += src;
                                break;
                        case BPF_SUB:
                                a -= src;
                                break;
                        case BPF_MUL:
                                a *= src;
                                break;
                        case BPF_DIV:
                                if (src == 0)
                                        return 0; /* the kernel returns 0 (kill) too */
                                a /= src;
                                break;
                        case BPF_MOD:
                                if (src == 0)
                                        return 0;
                                a %= src;
                                break;
                        case BPF_AND:
                                a &= src;
                                break;
                        case BPF_OR:
                                a |= src;
                                break;
                        case BPF_XOR:
                                a ^= src;
                                break;
                        case BPF_LSH:
                                a = src >= 32 ? 0 : a << src;
                                break;
                        case BPF_RSH:
                                a = src >= 32 ? 0 : a >> src;
                                break;
                        case BPF_NEG:
                                a = -a;
                                break;
                        default:
                                return kill;
                        }
                        break;
                case BPF_JMP: {
                        bool taken;
                        if (BPF_OP(f->code) == BPF_JA) {
                                pc += k;
                                continue;
                        }
                        switch (BPF_OP(f->code)) {
                        case BPF_JEQ:
                                taken = a == src;
                                break;
                        case BPF_JGT:
                                taken = a > src;
                                break;
                        case BPF_JGE:
                                taken = a >= src;
                                break;
                        case BPF_JSET:
                                taken = (a & src) != 0;
                                break;
                        default:
                                return kill;
                        }
                        pc += taken ? f->jt : f->jf;
                        break;
                }
                case BPF_RET:
                        return BPF_RVAL(f->code) == BPF_A ? a : k;
                case BPF_MISC:
                        if (BPF_MISCOP(f->code) == BPF_TAX)
                                x = a;
                        else
                                a = x;
                        break;
                default:
                        return kill;
                }
        }
        return kill; /* fell off the end: the kernel rejects such programs */
}

uint32_t policy_evaluate(const struct policy *p, const struct seccomp_data *d)
{
        const struct sock_fprog *prog = policy_bpf(p);
        if (!prog)
                return SECCOMP_RET_ALLOW;
        return policy_bpf_run(prog, d);
}

int policy_notify_marker(void)
{
        if (syscall(SYS_prctl, (unsigned long)POLICY_MARKER_PRCTL, 0UL, 0UL, 0UL, 0UL) < 0)
                return -errno;
        return 0;
}

static bool is_marker(const struct seccomp_data *d)
{
        return d->arch == AUDIT_ARCH_X86_64 && d->nr == __NR_prctl &&
               (uint32_t)d->args[0] == POLICY_MARKER_PRCTL;
}

static struct seccomp_notif_sizes sizes;
static int sizes_error;
static pthread_once_t sizes_once = PTHREAD_ONCE_INIT;

static void sizes_init(void)
{
        if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
                sizes_error = -errno;
}

int policy_notify_receive(const struct policy *p, int listener, struct policy_event *ret)
{
        /* The kernel's structures may be larger than our headers' (SECCOMP_GET_NOTIF_SIZES);
         * the first fields never move and ours are the ones we read. */
        union {
                struct seccomp_notif n;
                char buf[512];
        } req;
        union {
                struct seccomp_notif_resp r;
                char buf[512];
        } resp;
        pthread_once(&sizes_once, sizes_init);
        if (sizes_error)
                return sizes_error;
        if (sizes.seccomp_notif > sizeof(req) || sizes.seccomp_notif_resp > sizeof(resp))
                return -EOVERFLOW;
        memset(&req, 0, sizeof(req));
        if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
                return -errno;

        struct policy_event ev = {
            .pid = (pid_t)req.n.pid, .nr = req.n.data.nr, .arch = req.n.data.arch};
        ev.marker = is_marker(&req.n.data);
        ev.action = ev.marker ? SECCOMP_RET_ALLOW : policy_evaluate(p, &req.n.data);

        memset(&resp, 0, sizeof(resp));
        resp.r.id = req.n.id;
        switch (ev.action & SECCOMP_RET_ACTION_FULL) {
        case SECCOMP_RET_KILL_PROCESS:
        case SECCOMP_RET_KILL_THREAD:
        case SECCOMP_RET_TRAP:
                *ret = ev; /* not answered: the caller kills the job */
                return 0;
        case SECCOMP_RET_ERRNO:
                resp.r.error = -(int32_t)(ev.action & SECCOMP_RET_DATA);
                break;
        case SECCOMP_RET_ALLOW:
                /* The marker returns 0 without running prctl.  Anything else the enforcing
                 * program allows (never produced by a consistent pair of programs) runs. */
                if (!ev.marker)
                        resp.r.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
                break;
        case SECCOMP_RET_LOG:
                resp.r.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
                break;
        default: /* TRACE or unknown: not produced by the language; refuse */
                resp.r.error = -EPERM;
                break;
        }
        if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0)
                return -errno; /* -ENOENT: the caller died meanwhile */
        ev.answered = true;
        *ret = ev;
        return 0;
}

const char *policy_event_name(const struct policy_event *ev, char *buf, size_t size)
{
        const char *name;
        if (ev->arch != AUDIT_ARCH_X86_64)
                snprintf(buf, size, "%s:%d", ev->arch == AUDIT_ARCH_I386 ? "i386" : "arch", ev->nr);
        else if (ev->nr & 0x40000000) {
                name = policy_syscall_name(ev->nr & ~0x40000000);
                if (name)
                        snprintf(buf, size, "x32:%s", name);
                else
                        snprintf(buf, size, "x32:%d", ev->nr & ~0x40000000);
        } else if ((name = policy_syscall_name(ev->nr)))
                snprintf(buf, size, "%s", name);
        else
                snprintf(buf, size, "%d", ev->nr);
        return buf;
}
