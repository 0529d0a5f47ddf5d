/* policy.c - the seccomp policy language: parse a policy, compile it once to BPF, install it.
 *
 * A policy is parsed line by line straight into a libseccomp filter context (there is no
 * intermediate rule list: every rule is checked and added where it is read, so libseccomp's
 * own objections are reported at the right file:line).  At the end the context is exported
 * once as classic BPF into a memfd and read back; the child only installs those bytes.
 * Every rule also goes into a second context, the notify-mode twin (see notify_action()),
 * which the supervisor uses to count and name denials (docs/decisions/seccomp-denials.md).
 *
 * Threats handled here, whatever the policy says:
 *   - other ABIs: an x86_64 filter is bypassed by i386 (int 0x80) and x32 (nr | 0x40000000)
 *     syscalls unless they are refused.  The filter's only architecture is x86_64, whose
 *     libseccomp prologue sends numbers with the x32 bit to the bad-arch action, and that
 *     action is KILL_PROCESS, so both die (tests/unit/sandbox/test_policy.c checks both).
 *   - clone3: its flags live in memory seccomp cannot read, so a namespace check on clone's
 *     arg0 would be bypassed through clone3.  clone3 always returns ENOSYS, which makes glibc
 *     fall back to clone (EPERM would not).
 *   - kill actions are KILL_PROCESS: KILL_THREAD would leave the rest of a threaded job alive
 *     in an inconsistent state and its exit status would not show SIGSYS.
 * The language itself is documented in docs/policy-language.md.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <limits.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "policy.h"
#include "fileio.h"
#include "names.h"

#define POLICY_MAX_INCLUDE_DEPTH 8
#define POLICY_MAX_LINE          4096
#define POLICY_MAX_FILE          (1 << 20)
#define POLICY_MAX_EXPANDED      4096 /* libseccomp rules per policy, after expansion */
#define RULE_MAX_EXPANSION       256  /* libseccomp rules produced by one line */
#define COND_MAX_VALUES          64
#define RULE_MAX_CONDS           6
#define VALUE_MAX_NESTING        16
#define BPF_MAX_INSNS            4096 /* BPF_MAXINSNS in the kernel */
#define SYSCALL_NR_MAX           1024 /* above every x86_64 syscall number */
#define SYS_UNCOND               1
#define SYS_COND                 2

struct policy {
        char *name;
        bool unfiltered;
        struct sock_fprog prog;        /* enforcing: the policy's own actions */
        struct sock_fprog notify_prog; /* every non-allow outcome as USER_NOTIF, marker first */
};

/* The notify-mode twin of a policy: the same rules with every action other than allow turned
 * into SECCOMP_RET_USER_NOTIF, so that the supervisor sees each denial and answers it with the
 * enforcing program's verdict (docs/decisions/seccomp-denials.md).  Both programs are built
 * from one parse, rule by rule, so they cannot disagree about what the file said. */
static uint32_t notify_action(uint32_t action)
{
        return action == SCMP_ACT_ALLOW ? SCMP_ACT_ALLOW : SCMP_ACT_NOTIFY;
}

/* ---- constants the language knows by name ---- */

struct named_value {
        const char *name;
        uint64_t value;
};

#define NV(x)                                                                                      \
        {                                                                                          \
#x, (uint64_t)(x)                                                                  \
        }
/* clang-format off */
static const struct named_value constants[] = {
        NV(AF_UNSPEC), NV(AF_UNIX), NV(AF_LOCAL), NV(AF_INET), NV(AF_INET6), NV(AF_NETLINK),
        NV(AF_PACKET), NV(AF_VSOCK), NV(AF_BLUETOOTH), NV(AF_ALG), NV(AF_KEY), NV(SOCK_STREAM),
        NV(SOCK_DGRAM), NV(SOCK_RAW), NV(SOCK_SEQPACKET), NV(SOCK_NONBLOCK), NV(SOCK_CLOEXEC),
        NV(CLONE_VM), NV(CLONE_FS), NV(CLONE_FILES), NV(CLONE_SIGHAND), NV(CLONE_PTRACE),
        NV(CLONE_VFORK), NV(CLONE_PARENT), NV(CLONE_THREAD), NV(CLONE_NEWNS), NV(CLONE_SYSVSEM),
        NV(CLONE_SETTLS), NV(CLONE_UNTRACED), NV(CLONE_NEWCGROUP), NV(CLONE_NEWUTS),
        NV(CLONE_NEWIPC), NV(CLONE_NEWUSER), NV(CLONE_NEWPID), NV(CLONE_NEWNET), NV(CLONE_IO),
        NV(CLONE_NEWTIME), NV(TIOCSTI), NV(TIOCLINUX), NV(TIOCSETD), NV(PROT_READ), NV(PROT_WRITE),
        NV(PROT_EXEC), NV(PROT_NONE), NV(MAP_SHARED), NV(MAP_PRIVATE), NV(MAP_ANONYMOUS),
        NV(MAP_FIXED), NV(O_RDONLY), NV(O_WRONLY), NV(O_RDWR), NV(O_CREAT), NV(ADDR_NO_RANDOMIZE),
        NV(READ_IMPLIES_EXEC), NV(MMAP_PAGE_ZERO), NV(ADDR_COMPAT_LAYOUT), NV(ADDR_LIMIT_3GB),
        NV(ADDR_LIMIT_32BIT), NV(PER_LINUX), NV(PER_LINUX32), NV(UNAME26), NV(TCGETS), NV(TCSETS),
        NV(TCSETSW), NV(TCSETSF), NV(TCFLSH), NV(TIOCGWINSZ), NV(TIOCSWINSZ), NV(TIOCGPGRP),
        NV(TIOCSPGRP), NV(TIOCGSID), NV(TIOCGPTN), NV(TIOCSPTLCK), NV(FIONREAD), NV(FIONBIO),
        NV(FIOCLEX), NV(FIONCLEX), NV(FIOASYNC),
};
/* clang-format on */

/* clang-format off */
static const struct named_value errnos[] = {
        NV(EPERM), NV(ENOENT), NV(EACCES), NV(EINVAL), NV(ENOSYS), NV(EFAULT), NV(EBADF),
        NV(EOPNOTSUPP), NV(ENOTSUP), NV(EAFNOSUPPORT), NV(ENOMEM), NV(EROFS), NV(EIO),
        NV(EPROTONOSUPPORT),
};
/* clang-format on */
#undef NV

static bool lookup(const struct named_value *t, size_t n, const char *name, uint64_t *ret)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(t[i].name, name) == 0) {
                        *ret = t[i].value;
                        return true;
                }
        return false;
}

/* ---- parser state ---- */

struct source {
        const char *display;     /* as shown in messages */
        const char *include_dir; /* where `include NAME` looks; NULL: includes refused */
        const char *realpath;    /* for cycle detection; NULL for buffers */
};

struct parser {
        bool quiet;           /* errors never quote the text (policy_load_quiet) */
        bool texts_only;      /* read the texts and their includes, nothing else (cache lookup) */
        uint64_t text_hash;   /* FNV-1a of every policy text read, for the program cache */
        scmp_filter_ctx ctx;  /* created by `default` */
        scmp_filter_ctx nctx; /* the same rules in notify mode, see notify_action() */
        uint32_t def_action;
        bool unfiltered;
        bool have_rules;
        size_t nexpanded;
        const char *stack[POLICY_MAX_INCLUDE_DEPTH + 1]; /* realpaths of the files being read */
        unsigned depth;
        unsigned nested; /* how many includes deep the current line is */
        /* Per native syscall: which kinds of rules it has (SYS_UNCOND, SYS_COND) and the
         * action of its unconditional rule.  libseccomp silently lets an unconditional rule
         * win over conditional ones for the same syscall, so mixing them is refused here. */
        uint8_t kinds[SYSCALL_NR_MAX];
        uint32_t uncond_action[SYSCALL_NR_MAX];
        char *err;
        size_t errlen;
};

static int fail(struct parser *ps, const struct source *src, unsigned line, int r, const char *fmt,
                ...) __attribute__((format(printf, 5, 6)));

static int fail(struct parser *ps, const struct source *src, unsigned line, int r, const char *fmt,
                ...)
{
        if (ps->err && ps->errlen > 0) {
                int n = snprintf(ps->err, ps->errlen, "%s:%u: ", src->display, line);
                if (n >= 0 && (size_t)n < ps->errlen) {
                        va_list ap;
                        va_start(ap, fmt);
                        vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
                        va_end(ap);
                        /* Quoted words come from the file: cut the message there. */
                        char *q = ps->quiet ? strchr(ps->err + n, '\'') : NULL;
                        if (q) {
                                while (q > ps->err + n && q[-1] == ' ')
                                        q--;
                                snprintf(q, ps->errlen - (size_t)(q - ps->err),
                                         " (the text is not shown)");
                        }
                }
        }
        return r;
}

/* ---- lexer over one line (comments already stripped) ---- */

struct lex {
        const char *p;
};

static void skip_ws(struct lex *lx)
{
        while (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\r')
                lx->p++;
}

static bool at_end(struct lex *lx)
{
        skip_ws(lx);
        return *lx->p == '\0';
}

/* Consumes punctuation tok if it comes next. */
static bool lex_accept(struct lex *lx, const char *tok)
{
        skip_ws(lx);
        size_t n = strlen(tok);
        if (strncmp(lx->p, tok, n) != 0)
                return false;
        lx->p += n;
        return true;
}

/* Reads an identifier [A-Za-z_][A-Za-z0-9_]* into buf; false if none or too long. */
static bool ident(struct lex *lx, char *buf, size_t size)
{
        skip_ws(lx);
        const char *s = lx->p;
        if (!isalpha((unsigned char)*s) && *s != '_')
                return false;
        size_t n = 0;
        while (isalnum((unsigned char)s[n]) || s[n] == '_')
                n++;
        if (n >= size)
                return false;
        memcpy(buf, s, n);
        buf[n] = '\0';
        lx->p += n;
        return true;
}

/* Consumes keyword kw only as a whole word. */
static bool keyword(struct lex *lx, const char *kw)
{
        skip_ws(lx);
        size_t n = strlen(kw);
        if (strncmp(lx->p, kw, n) != 0 || isalnum((unsigned char)lx->p[n]) || lx->p[n] == '_')
                return false;
        lx->p += n;
        return true;
}

static bool number(struct lex *lx, uint64_t *ret)
{
        skip_ws(lx);
        if (!isdigit((unsigned char)*lx->p))
                return false;
        errno = 0;
        char *end;
        unsigned long long v = strtoull(lx->p, &end, 0);
        if (errno != 0 || end == lx->p || isalnum((unsigned char)*end) || *end == '_')
                return false;
        lx->p = end;
        *ret = v;
        return true;
}

/* ---- values: NUMBER | CONSTANT | '(' value ')' joined by '|' ---- */

static int parse_value(struct parser *ps, const struct source *src, unsigned line, struct lex *lx,
                       unsigned nesting, uint64_t *ret);

static int parse_term(struct parser *ps, const struct source *src, unsigned line, struct lex *lx,
                      unsigned nesting, uint64_t *ret)
{
        char name[64];
        if (lex_accept(lx, "(")) {
                if (nesting >= VALUE_MAX_NESTING)
                        return fail(ps, src, line, -EINVAL, "parentheses nested too deeply");
                int r = parse_value(ps, src, line, lx, nesting + 1, ret);
                if (r < 0)
                        return r;
                if (!lex_accept(lx, ")"))
                        return fail(ps, src, line, -EINVAL, "expected ')'");
                return 0;
        }
        if (number(lx, ret))
                return 0;
        if (ident(lx, name, sizeof(name))) {
                if (lookup(constants, ELEMENTSOF(constants), name, ret))
                        return 0;
                return fail(ps, src, line, -EINVAL, "unknown constant '%s'", name);
        }
        return fail(ps, src, line, -EINVAL, "expected a number or a constant at '%.20s'", lx->p);
}

static int parse_value(struct parser *ps, const struct source *src, unsigned line, struct lex *lx,
                       unsigned nesting, uint64_t *ret)
{
        uint64_t v = 0;
        for (;;) {
                uint64_t t;
                int r = parse_term(ps, src, line, lx, nesting, &t);
                if (r < 0)
                        return r;
                v |= t;
                skip_ws(lx);
                if (lx->p[0] == '|' && lx->p[1] == '|')
                        return fail(ps, src, line, -EINVAL,
                                    "'||' is not supported: write one rule per alternative");
                if (!lex_accept(lx, "|"))
                        break;
        }
        *ret = v;
        return 0;
}

/* ---- actions ---- */

static int parse_action(struct parser *ps, const struct source *src, unsigned line, struct lex *lx,
                        uint32_t *ret)
{
        char word[32];
        if (!ident(lx, word, sizeof(word)))
                return fail(ps, src, line, -EINVAL, "expected an action at '%.20s'", lx->p);
        if (strcmp(word, "allow") == 0)
                *ret = SCMP_ACT_ALLOW;
        else if (strcmp(word, "kill") == 0)
                *ret = SCMP_ACT_KILL_PROCESS;
        else if (strcmp(word, "log") == 0)
                *ret = SCMP_ACT_LOG;
        else if (strcmp(word, "errno") == 0) {
                char e[32];
                uint64_t v;
                if (!lex_accept(lx, "("))
                        return fail(ps, src, line, -EINVAL, "expected '(' after errno");
                if (ident(lx, e, sizeof(e))) {
                        if (!lookup(errnos, ELEMENTSOF(errnos), e, &v))
                                return fail(ps, src, line, -EINVAL, "unknown errno '%s'", e);
                } else if (!number(lx, &v) || v < 1 || v > 4095)
                        return fail(ps, src, line, -EINVAL,
                                    "errno needs a name (EPERM) or a number in 1..4095");
                if (!lex_accept(lx, ")"))
                        return fail(ps, src, line, -EINVAL, "expected ')' after errno value");
                *ret = SCMP_ACT_ERRNO((uint32_t)v);
        } else
                return fail(ps, src, line, -EINVAL,
                            "unknown action '%s' (allow, errno(E), kill, log)", word);
        return 0;
}

/* ---- conditions ---- */

enum cond_op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_MASKED_EQ, OP_MASK_ANY, OP_IN };

struct cond {
        unsigned arg;
        enum cond_op op;
        uint64_t mask;
        size_t nvals;
        uint64_t vals[COND_MAX_VALUES];
};

static int parse_cond(struct parser *ps, const struct source *src, unsigned line, struct lex *lx,
                      struct cond *c)
{
        static const struct {
                const char *tok;
                enum cond_op op;
        } cmps[] = {{"==", OP_EQ}, {"!=", OP_NE}, {"<=", OP_LE},
                    {">=", OP_GE}, {"<", OP_LT},  {">", OP_GT}};
        char word[16];
        int r;

        if (!ident(lx, word, sizeof(word)))
                return fail(ps, src, line, -EINVAL, "expected arg0..arg5 at '%.20s'", lx->p);
        if (strncmp(word, "arg", 3) != 0 || word[3] < '0' || word[3] > '5' || word[4] != '\0')
                return fail(ps, src, line, -EINVAL, "expected arg0..arg5, not '%s'", word);
        *c = (struct cond){.arg = (unsigned)(word[3] - '0'), .nvals = 1};

        if (keyword(lx, "in")) {
                c->op = OP_IN;
                c->nvals = 0;
                if (!lex_accept(lx, "{"))
                        return fail(ps, src, line, -EINVAL, "expected '{' after 'in'");
                do {
                        if (c->nvals == COND_MAX_VALUES)
                                return fail(ps, src, line, -EINVAL, "more than %d values in a set",
                                            COND_MAX_VALUES);
                        r = parse_value(ps, src, line, lx, 0, &c->vals[c->nvals]);
                        if (r < 0)
                                return r;
                        c->nvals++;
                } while (lex_accept(lx, ","));
                if (!lex_accept(lx, "}"))
                        return fail(ps, src, line, -EINVAL, "expected '}' to close the set");
                return 0;
        }

        skip_ws(lx);
        if (lx->p[0] == '&' && lx->p[1] != '&') {
                lx->p++;
                r = parse_value(ps, src, line, lx, 0, &c->mask);
                if (r < 0)
                        return r;
                bool eq = lex_accept(lx, "==");
                if (!eq && !lex_accept(lx, "!="))
                        return fail(ps, src, line, -EINVAL, "expected '==' or '!=' after a mask");
                r = parse_value(ps, src, line, lx, 0, &c->vals[0]);
                if (r < 0)
                        return r;
                if (c->mask == 0)
                        return fail(ps, src, line, -EINVAL, "mask is 0");
                if ((c->vals[0] & ~c->mask) != 0)
                        return fail(ps, src, line, -EINVAL,
                                    "value has bits outside the mask: never matches");
                if (eq)
                        c->op = OP_MASKED_EQ;
                else if (c->vals[0] == 0)
                        c->op = OP_MASK_ANY;
                else
                        return fail(ps, src, line, -EINVAL,
                                    "only '& MASK != 0' is supported with '!='");
                return 0;
        }

        for (size_t i = 0; i < ELEMENTSOF(cmps); i++)
                if (lex_accept(lx, cmps[i].tok)) {
                        c->op = cmps[i].op;
                        return parse_value(ps, src, line, lx, 0, &c->vals[0]);
                }
        return fail(ps, src, line, -EINVAL, "expected a comparison after arg%u at '%.20s'", c->arg,
                    lx->p);
}

/* How many libseccomp rules condition c turns into (they are OR-ed). */
static size_t cond_alternatives(const struct cond *c)
{
        if (c->op == OP_IN)
                return c->nvals;
        if (c->op == OP_MASK_ANY)
                return (size_t)__builtin_popcountll(c->mask);
        return 1;
}

/* The k-th alternative of c as a libseccomp comparison. */
static struct scmp_arg_cmp cond_to_cmp(const struct cond *c, size_t k)
{
        static const enum scmp_compare ops[] = {
            [OP_EQ] = SCMP_CMP_EQ, [OP_NE] = SCMP_CMP_NE, [OP_LT] = SCMP_CMP_LT,
            [OP_LE] = SCMP_CMP_LE, [OP_GT] = SCMP_CMP_GT, [OP_GE] = SCMP_CMP_GE,
        };
        struct scmp_arg_cmp a = {.arg = c->arg};
        switch (c->op) {
        case OP_IN:
                a.op = SCMP_CMP_EQ;
                a.datum_a = c->vals[k];
                break;
        case OP_MASKED_EQ:
                a.op = SCMP_CMP_MASKED_EQ;
                a.datum_a = c->mask;
                a.datum_b = c->vals[0];
                break;
        case OP_MASK_ANY: {
                /* (x & M) != 0  <=>  some bit b of M has (x & b) == b */
                uint64_t m = c->mask;
                for (size_t i = 0; i < k; i++)
                        m &= m - 1;
                uint64_t bit = m & -m;
                a.op = SCMP_CMP_MASKED_EQ;
                a.datum_a = bit;
                a.datum_b = bit;
                break;
        }
        default:
                a.op = ops[c->op];
                a.datum_a = c->vals[0];
                break;
        }
        return a;
}

/* ---- rules ---- */

static int add_rule(struct parser *ps, const struct source *src, unsigned line, uint32_t action,
                    const char *name, const struct cond *conds, size_t nconds)
{
        int nr = seccomp_syscall_resolve_name(name);
        if (nr == __NR_SCMP_ERROR)
                return fail(ps, src, line, -EINVAL, "unknown syscall '%s'", name);
        if (strcmp(name, "clone3") == 0)
                return fail(ps, src, line, -EINVAL,
                            "clone3 is always denied with ENOSYS (its flags are out of seccomp's "
                            "reach); write rules for clone");
        /* A syscall libseccomp knows but x86_64 lacks (socketcall, umount...) can only be
         * reached through another ABI, which the filter kills: nothing to add. */
        if (nr < 0)
                return 0;
        /* Same action as the default: a no-op, which libseccomp refuses with EACCES. */
        if (action == ps->def_action)
                return 0;

        if (nr >= SYSCALL_NR_MAX)
                return fail(ps, src, line, -EINVAL, "syscall '%s' out of range", name);
        if (nconds == 0 && (ps->kinds[nr] & SYS_COND))
                return fail(ps, src, line, -EINVAL,
                            "'%s' already has conditional rules: a rule without conditions "
                            "would override them",
                            name);
        if (nconds > 0 && (ps->kinds[nr] & SYS_UNCOND))
                return fail(ps, src, line, -EINVAL,
                            "'%s' already has a rule without conditions: this conditional rule "
                            "would be ignored",
                            name);
        if (nconds == 0 && (ps->kinds[nr] & SYS_UNCOND)) {
                if (ps->uncond_action[nr] != action)
                        return fail(ps, src, line, -EINVAL,
                                    "rule for '%s' conflicts with an earlier rule for it", name);
                return 0; /* the same rule twice (e.g. from two includes) */
        }

        size_t total = 1;
        for (size_t i = 0; i < nconds; i++) {
                total *= cond_alternatives(&conds[i]);
                if (total > RULE_MAX_EXPANSION)
                        return fail(ps, src, line, -EINVAL,
                                    "conditions expand to more than %d rules", RULE_MAX_EXPANSION);
        }
        if (ps->nexpanded + total > POLICY_MAX_EXPANDED)
                return fail(ps, src, line, -E2BIG, "policy has more than %d rules",
                            POLICY_MAX_EXPANDED);

        /* Enumerate the cartesian product of the alternatives, one libseccomp rule each. */
        size_t idx[RULE_MAX_CONDS] = {0};
        for (size_t n = 0; n < total; n++) {
                struct scmp_arg_cmp cmps[RULE_MAX_CONDS];
                size_t rem = n;
                for (size_t i = 0; i < nconds; i++) {
                        size_t alt = cond_alternatives(&conds[i]);
                        idx[i] = rem % alt;
                        rem /= alt;
                        cmps[i] = cond_to_cmp(&conds[i], idx[i]);
                }
                int r = seccomp_rule_add_exact_array(ps->ctx, action, nr, (unsigned)nconds, cmps);
                if (r == -EEXIST)
                        return fail(ps, src, line, -EINVAL,
                                    "rule for '%s' conflicts with an earlier rule for it", name);
                if (r >= 0 && notify_action(action) != notify_action(ps->def_action))
                        r = seccomp_rule_add_exact_array(ps->nctx, notify_action(action), nr,
                                                         (unsigned)nconds, cmps);
                if (r < 0)
                        return fail(ps, src, line, -EINVAL, "libseccomp rejects this rule: %s",
                                    strerror(-r));
        }
        ps->nexpanded += total;
        ps->have_rules = true;
        ps->kinds[nr] |= nconds ? SYS_COND : SYS_UNCOND;
        if (!nconds)
                ps->uncond_action[nr] = action;
        return 0;
}

/* action NAME[, NAME...] [if COND [&& COND...]] */
static int parse_rule(struct parser *ps, const struct source *src, unsigned line, struct lex *lx)
{
        char names[32][64];
        size_t nnames = 0;
        struct cond conds[RULE_MAX_CONDS];
        size_t nconds = 0;
        uint32_t action;
        int r;

        r = parse_action(ps, src, line, lx, &action);
        if (r < 0)
                return r;
        if (!ps->ctx && !ps->unfiltered)
                return fail(ps, src, line, -EINVAL, "a rule before 'default'");
        if (ps->unfiltered)
                return fail(ps, src, line, -EINVAL, "rules in an 'unfiltered' policy");
        do {
                if (nnames == ELEMENTSOF(names))
                        return fail(ps, src, line, -EINVAL, "more than %zu syscalls in one rule",
                                    ELEMENTSOF(names));
                if (!ident(lx, names[nnames], sizeof(names[0])))
                        return fail(ps, src, line, -EINVAL, "expected a syscall name at '%.20s'",
                                    lx->p);
                nnames++;
        } while (lex_accept(lx, ","));

        if (keyword(lx, "if")) {
                do {
                        if (nconds == RULE_MAX_CONDS)
                                return fail(ps, src, line, -EINVAL, "more than %d conditions",
                                            RULE_MAX_CONDS);
                        r = parse_cond(ps, src, line, lx, &conds[nconds]);
                        if (r < 0)
                                return r;
                        /* libseccomp 2.5 takes one comparison per argument and rule. */
                        for (size_t i = 0; i < nconds; i++)
                                if (conds[i].arg == conds[nconds].arg)
                                        return fail(ps, src, line, -EINVAL,
                                                    "two conditions on arg%u in one rule",
                                                    conds[i].arg);
                        nconds++;
                } while (lex_accept(lx, "&&"));
        }
        if (!at_end(lx))
                return fail(ps, src, line, -EINVAL, "unexpected '%.20s'", lx->p);

        for (size_t i = 0; i < nnames; i++) {
                r = add_rule(ps, src, line, action, names[i], conds, nconds);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_default(struct parser *ps, const struct source *src, unsigned line, struct lex *lx)
{
        uint32_t action;
        if (ps->nested > 0)
                return fail(ps, src, line, -EINVAL, "'default' in an included file");
        if (ps->ctx || ps->unfiltered)
                return fail(ps, src, line, -EINVAL, "a second 'default' or 'unfiltered'");
        int r = parse_action(ps, src, line, lx, &action);
        if (r < 0)
                return r;
        if (!at_end(lx))
                return fail(ps, src, line, -EINVAL, "unexpected '%.20s'", lx->p);
        ps->ctx = seccomp_init(action);
        ps->nctx = seccomp_init(notify_action(action));
        if (!ps->ctx || !ps->nctx)
                return fail(ps, src, line, -ENOMEM, "cannot create a seccomp filter");
        ps->def_action = action;
        return 0;
}

static int parse_text(struct parser *ps, const struct source *src, const char *buf, size_t len);

static int parse_include(struct parser *ps, const struct source *src, unsigned line,
                         struct lex *lx);

static int parse_line(struct parser *ps, const struct source *src, unsigned line, char *text)
{
        struct lex lx = {.p = text};
        char *hash = strchr(text, '#');
        if (hash)
                *hash = '\0';
        if (at_end(&lx))
                return 0;

        if (keyword(&lx, "include"))
                return parse_include(ps, src, line, &lx);
        if (ps->texts_only)
                return 0;
        if (keyword(&lx, "default"))
                return parse_default(ps, src, line, &lx);
        if (keyword(&lx, "unfiltered")) {
                if (ps->nested > 0 || ps->ctx || ps->unfiltered || !at_end(&lx))
                        return fail(ps, src, line, -EINVAL,
                                    "'unfiltered' must stand alone in a top-level policy");
                ps->unfiltered = true;
                return 0;
        }
        return parse_rule(ps, src, line, &lx);
}

static int parse_text(struct parser *ps, const struct source *src, const char *buf, size_t len)
{
        char text[POLICY_MAX_LINE + 1];
        unsigned line = 0;
        size_t pos = 0;

        /* Every text that shapes the program goes into the cache key. */
        for (size_t i = 0; i < len; i++)
                ps->text_hash = (ps->text_hash ^ (unsigned char)buf[i]) * 0x100000001b3ull;
        ps->text_hash = (ps->text_hash ^ 0xff) * 0x100000001b3ull;

        if (len > POLICY_MAX_FILE)
                return fail(ps, src, 0, -EFBIG, "larger than %d bytes", POLICY_MAX_FILE);
        if (memchr(buf, '\0', len))
                return fail(ps, src, 0, -EINVAL, "contains a NUL byte");
        while (pos < len) {
                const char *nl = memchr(buf + pos, '\n', len - pos);
                size_t n = nl ? (size_t)(nl - (buf + pos)) : len - pos;
                line++;
                if (n > POLICY_MAX_LINE)
                        return fail(ps, src, line, -EINVAL, "line longer than %d bytes",
                                    POLICY_MAX_LINE);
                memcpy(text, buf + pos, n);
                text[n] = '\0';
                int r = parse_line(ps, src, line, text);
                if (r < 0)
                        return r;
                pos += n + 1;
        }
        return 0;
}

/* ---- files and includes ---- */

static int read_policy_file(const char *path, char **ret, size_t *ret_len)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return NEG_ERRNO();
        struct stat st;
        if (fstat(fd, &st) < 0)
                return NEG_ERRNO();
        if (!S_ISREG(st.st_mode))
                return -EISDIR;
        return read_full_fd(fd, POLICY_MAX_FILE, ret, ret_len);
}

/* Parses the file at path as one level deeper than the current one. */
static int parse_file(struct parser *ps, const struct source *from, unsigned from_line,
                      const char *path, const char *display)
{
        _cleanup_free_ char *real = realpath(path, NULL);
        _cleanup_free_ char *buf = NULL;
        _cleanup_free_ char *dir = NULL;
        size_t len;
        int r;

        if (!real) {
                r = NEG_ERRNO();
                if (from)
                        return fail(ps, from, from_line, r, "cannot include '%s': %s", display,
                                    strerror(-r));
                struct source s = {.display = display};
                return fail(ps, &s, 0, r, "cannot open: %s", strerror(-r));
        }
        for (unsigned i = 0; i < ps->depth; i++)
                if (ps->stack[i] && strcmp(ps->stack[i], real) == 0)
                        return fail(ps, from, from_line, -ELOOP,
                                    "include cycle: '%s' includes itself", display);
        if (ps->depth >= POLICY_MAX_INCLUDE_DEPTH)
                return fail(ps, from, from_line, -ELOOP, "includes nested deeper than %d",
                            POLICY_MAX_INCLUDE_DEPTH);

        r = read_policy_file(real, &buf, &len);
        if (r < 0) {
                struct source s = {.display = display};
                return fail(ps, &s, 0, r, "cannot read: %s", strerror(-r));
        }
        dir = strdup(real);
        if (!dir)
                return -ENOMEM;
        char *slash = strrchr(dir, '/');
        if (slash == dir)
                slash[1] = '\0';
        else if (slash)
                *slash = '\0';

        struct source src = {.display = display, .include_dir = dir, .realpath = real};
        ps->stack[ps->depth++] = real;
        r = parse_text(ps, &src, buf, len);
        ps->depth--;
        return r;
}

/* A policy name, as in "include NAME" and policy_load(NAME): [a-z0-9_-]+, so
 * that policy_dir/NAME.policy stays in policy_dir. */
static const struct name_rules policy_name_rules = {.extra = "_-", .lowercase_only = true};

static int parse_include(struct parser *ps, const struct source *src, unsigned line, struct lex *lx)
{
        char name[128];
        skip_ws(lx);
        size_t n = strcspn(lx->p, " \t\r");
        if (n == 0 || n >= sizeof(name))
                return fail(ps, src, line, -EINVAL, "include needs a policy name");
        memcpy(name, lx->p, n);
        name[n] = '\0';
        lx->p += n;
        if (!at_end(lx))
                return fail(ps, src, line, -EINVAL, "unexpected '%.20s'", lx->p);
        if (!name_ok(name, &policy_name_rules))
                return fail(ps, src, line, -EINVAL,
                            "include takes a policy name [a-z0-9_-]+, not '%s'", name);
        if (!src->include_dir)
                return fail(ps, src, line, -EINVAL, "include is not available here");

        char path[PATH_MAX];
        if (snprintf(path, sizeof(path), "%s/%s.policy", src->include_dir, name) >=
            (int)sizeof(path))
                return fail(ps, src, line, -ENAMETOOLONG, "include path too long");
        /* Messages name included files by their path, so the user can open them. */
        ps->nested++;
        int r = parse_file(ps, src, line, path, path);
        ps->nested--;
        return r;
}

/* ---- compilation ---- */

static int export_bpf(scmp_filter_ctx ctx, struct sock_fprog *ret)
{
        _cleanup_close_ int fd = memfd_create("corral-bpf", MFD_CLOEXEC);
        if (fd < 0)
                return NEG_ERRNO();
        int r = seccomp_export_bpf(ctx, fd);
        if (r < 0)
                return r;
        off_t size = lseek(fd, 0, SEEK_END);
        if (size < 0)
                return NEG_ERRNO();
        if (size == 0 || size % (off_t)sizeof(struct sock_filter) != 0 ||
            size / (off_t)sizeof(struct sock_filter) > BPF_MAX_INSNS)
                return -E2BIG;
        _cleanup_free_ struct sock_filter *insns = malloc((size_t)size);
        if (!insns)
                return -ENOMEM;
        ssize_t n = pread(fd, insns, (size_t)size, 0);
        if (n < 0)
                return NEG_ERRNO();
        if (n != size)
                return -EIO;
        ret->len = (unsigned short)(size / (off_t)sizeof(struct sock_filter));
        ret->filter = TAKE_PTR(insns);
        return 0;
}

/* Prepends the marker check to a notify-mode program: prctl(POLICY_MARKER_PRCTL) always goes
 * to the supervisor, which lets the child wait until the supervisor holds the listener. */
static int add_marker(struct sock_fprog *prog)
{
        const struct sock_filter marker[] = {
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 5),
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_prctl, 0, 3),
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, POLICY_MARKER_PRCTL, 0, 1),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
        };
        size_t n = ELEMENTSOF(marker);
        if (prog->len + n > BPF_MAX_INSNS)
                return -E2BIG;
        struct sock_filter *f = malloc((prog->len + n) * sizeof(*f));
        if (!f)
                return -ENOMEM;
        /* Classic BPF jumps are relative and forward: the old program is unchanged. */
        memcpy(f, marker, sizeof(marker));
        memcpy(f + n, prog->filter, prog->len * sizeof(*f));
        free(prog->filter);
        prog->filter = f;
        prog->len = (unsigned short)(prog->len + n);
        return 0;
}

static int compile(scmp_filter_ctx ctx, uint32_t def_action, struct sock_fprog *ret)
{
        /* See the top of this file for why each of these holds for every filtered policy. */
        int r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
        if (r >= 0 && def_action != SCMP_ACT_ERRNO(ENOSYS))
                r = seccomp_rule_add_exact(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
        /* Exported, never loaded by libseccomp: no_new_privs is the child's job. */
        if (r >= 0)
                r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
        /* A binary tree of syscall numbers instead of a linear scan: every syscall the job
         * makes runs this program. */
        if (r >= 0)
                r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
        if (r >= 0)
                r = export_bpf(ctx, ret);
        return r;
}

static int finish(struct parser *ps, const struct source *top, struct policy *p)
{
        int r;
        if (ps->unfiltered) {
                p->unfiltered = true;
                return 0;
        }
        if (!ps->ctx)
                return fail(ps, top, 0, -EINVAL, "no 'default' action (or 'unfiltered')");

        r = compile(ps->ctx, ps->def_action, &p->prog);
        if (r >= 0) {
                /* clone3 goes to the supervisor too, which answers ENOSYS as enforced. */
                uint32_t nd = notify_action(ps->def_action);
                /* Other ABIs go to the supervisor too: it names them ("x32", "i386") and
                 * kills the job, so that in notify mode a SIGSYS death is never ours. */
                r = seccomp_attr_set(ps->nctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_NOTIFY);
                if (r >= 0 && nd != SCMP_ACT_NOTIFY)
                        r = seccomp_rule_add_exact(ps->nctx, SCMP_ACT_NOTIFY, SCMP_SYS(clone3), 0);
                if (r >= 0)
                        r = seccomp_attr_set(ps->nctx, SCMP_FLTATR_CTL_NNP, 0);
                if (r >= 0)
                        r = seccomp_attr_set(ps->nctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
                if (r >= 0)
                        r = export_bpf(ps->nctx, &p->notify_prog);
                if (r >= 0)
                        r = add_marker(&p->notify_prog);
        }
        if (r < 0)
                return fail(ps, top, 0, r, "cannot compile the filter: %s", strerror(-r));
        return 0;
}

void policy_free(struct policy *p)
{
        if (!p)
                return;
        free(p->prog.filter);
        free(p->notify_prog.filter);
        free(p->name);
        free(p);
}

static void parser_done(struct parser *ps)
{
        if (ps->ctx)
                seccomp_release(ps->ctx);
        if (ps->nctx)
                seccomp_release(ps->nctx);
        ps->ctx = ps->nctx = NULL;
}

/* ---- the compiled-program cache ----
 * Compiling is most of a policy's cost (libseccomp's BPF generation), and a
 * policy is the same program for every job.  Compiled programs are kept in a
 * cache directory (corral's state directory: only corral's uid may write it),
 * named by a hash of every policy text the parse read plus corral's and
 * libseccomp's versions, so an edited policy or include never meets a stale
 * program.  The lookup reads the texts and follows their includes, nothing
 * more: a program is cached only after those very texts parsed and compiled
 * without error, so a hit needs no second check, and building libseccomp's
 * rule tables (most of a cached load's cost before) is left to a miss. */
#define CACHE_MAGIC 0x43524c42u /* "CRLB" */

struct cache_header {
        uint32_t magic;
        uint32_t unfiltered;
        uint32_t n_prog;
        uint32_t n_notify;
};

static uint64_t cache_key(const struct parser *ps)
{
        const struct scmp_version *lib = seccomp_version();
        char v[96];
        snprintf(v, sizeof(v), "%s libseccomp %u.%u.%u", CORRAL_VERSION, lib ? lib->major : 0,
                 lib ? lib->minor : 0, lib ? lib->micro : 0);
        uint64_t h = ps->text_hash;
        for (const char *c = v; *c; c++)
                h = (h ^ (unsigned char)*c) * 0x100000001b3ull;
        return h;
}

static int cache_read(int dirfd, const char *name, struct policy *p)
{
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        struct cache_header h;
        if (read(fd, &h, sizeof(h)) != (ssize_t)sizeof(h) || h.magic != CACHE_MAGIC ||
            h.n_prog > BPF_MAXINSNS || h.n_notify > BPF_MAXINSNS)
                return -EBADMSG;
        p->unfiltered = h.unfiltered;
        if (p->unfiltered)
                return 0;
        size_t a = h.n_prog * sizeof(struct sock_filter),
               b = h.n_notify * sizeof(struct sock_filter);
        p->prog.filter = malloc(a ? a : 1);
        p->notify_prog.filter = malloc(b ? b : 1);
        if (!p->prog.filter || !p->notify_prog.filter)
                return -ENOMEM;
        if (read(fd, p->prog.filter, a) != (ssize_t)a ||
            read(fd, p->notify_prog.filter, b) != (ssize_t)b)
                return -EBADMSG;
        p->prog.len = (unsigned short)h.n_prog;
        p->notify_prog.len = (unsigned short)h.n_notify;
        return 0;
}

static void cache_write(int dirfd, const char *name, const struct policy *p)
{
        struct cache_header h = {.magic = CACHE_MAGIC,
                                 .unfiltered = p->unfiltered,
                                 .n_prog = p->unfiltered ? 0 : p->prog.len,
                                 .n_notify = p->unfiltered ? 0 : p->notify_prog.len};
        size_t a = h.n_prog * sizeof(struct sock_filter),
               b = h.n_notify * sizeof(struct sock_filter);
        size_t len = sizeof(h) + a + b;
        _cleanup_free_ char *buf = malloc(len);
        if (!buf)
                return;
        memcpy(buf, &h, sizeof(h));
        if (a)
                memcpy(buf + sizeof(h), p->prog.filter, a);
        if (b)
                memcpy(buf + sizeof(h) + a, p->notify_prog.filter, b);
        (void)write_file_atomic_at(dirfd, name, buf, len, 0600);
}

/* The cached program for the texts at path, if any: 0 and *p filled, or < 0
 * (a miss, or texts that cannot be read: the full parse says why). */
static int cache_lookup(int dirfd, const char *path, struct policy *p)
{
        struct parser scan = {.texts_only = true, .text_hash = 0xcbf29ce484222325ull};
        if (parse_file(&scan, NULL, 0, path, path) < 0)
                return -ENOENT;
        char cname[40];
        snprintf(cname, sizeof(cname), "%016llx.bpf", (unsigned long long)cache_key(&scan));
        int r = cache_read(dirfd, cname, p);
        if (r < 0) {
                free(p->prog.filter);
                free(p->notify_prog.filter);
                p->prog = p->notify_prog = (struct sock_fprog){0};
        }
        return r;
}

static int parse_any(const char *name, const char *path, const char *buf, size_t len,
                     const char *include_dir, const char *cache_dir, bool quiet,
                     struct policy **ret, char *err, size_t errlen)
{
        struct parser ps = {
            .quiet = quiet, .err = err, .errlen = errlen, .text_hash = 0xcbf29ce484222325ull};
        _cleanup_(policy_freep) struct policy *p = calloc(1, sizeof(*p));
        struct source top = {.display = path ? path : name, .include_dir = include_dir};
        int r;

        if (err && errlen)
                err[0] = '\0';
        if (!p)
                return -ENOMEM;
        p->name = strdup(name);
        if (!p->name)
                return -ENOMEM;

        _cleanup_close_ int cfd = -EBADF;
        if (path && cache_dir) {
                if (mkdir(cache_dir, 0700) < 0 && errno != EEXIST)
                        cfd = -errno;
                else
                        cfd = open(cache_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                if (cfd >= 0 && cache_lookup(cfd, path, p) == 0) {
                        *ret = TAKE_PTR(p);
                        return 0;
                }
        }

        if (path)
                r = parse_file(&ps, NULL, 0, path, path);
        else
                r = parse_text(&ps, &top, buf, len);
        if (r >= 0)
                r = finish(&ps, &top, p);
        parser_done(&ps);
        if (r < 0)
                return r;
        if (cfd >= 0) {
                char cname[40];
                snprintf(cname, sizeof(cname), "%016llx.bpf", (unsigned long long)cache_key(&ps));
                cache_write(cfd, cname, p);
        }
        *ret = TAKE_PTR(p);
        return 0;
}

int policy_parse_buffer(const char *name, const char *buf, size_t len, const char *include_dir,
                        struct policy **ret, char *err, size_t errlen)
{
        return parse_any(name, NULL, buf, len, include_dir, NULL, false, ret, err, errlen);
}

static const char *default_policy_dir(void)
{
        struct stat st;
        if (stat(CORRAL_POLICY_DIR, &st) == 0 && S_ISDIR(st.st_mode))
                return CORRAL_POLICY_DIR;
        return CORRAL_SOURCE_POLICY_DIR;
}

static int load(const char *name_or_path, const char *policy_dir, const char *cache_dir, bool quiet,
                struct policy **ret, char *err, size_t errlen)
{
        char path[PATH_MAX];
        if (strchr(name_or_path, '/'))
                return parse_any(name_or_path, name_or_path, NULL, 0, NULL, cache_dir, quiet, ret,
                                 err, errlen);
        if (!name_ok(name_or_path, &policy_name_rules)) {
                if (err && errlen)
                        snprintf(err, errlen,
                                 "%s: not a policy name ([a-z0-9_-]+) nor a path (with a '/')",
                                 name_or_path);
                return -EINVAL;
        }
        if (snprintf(path, sizeof(path), "%s/%s.policy",
                     policy_dir ? policy_dir : default_policy_dir(),
                     name_or_path) >= (int)sizeof(path))
                return -ENAMETOOLONG;
        return parse_any(name_or_path, path, NULL, 0, NULL, cache_dir, quiet, ret, err, errlen);
}

int policy_load_cached(const char *name_or_path, const char *policy_dir, const char *cache_dir,
                       struct policy **ret, char *err, size_t errlen)
{
        return load(name_or_path, policy_dir, cache_dir, false, ret, err, errlen);
}

int policy_load_quiet(const char *name_or_path, const char *policy_dir, const char *cache_dir,
                      struct policy **ret, char *err, size_t errlen)
{
        return load(name_or_path, policy_dir, cache_dir, true, ret, err, errlen);
}

int policy_load(const char *name_or_path, const char *policy_dir, struct policy **ret, char *err,
                size_t errlen)
{
        return policy_load_cached(name_or_path, policy_dir, NULL, ret, err, errlen);
}

const struct sock_fprog *policy_bpf(const struct policy *p)
{
        return p->unfiltered ? NULL : &p->prog;
}

const struct sock_fprog *policy_bpf_notify(const struct policy *p)
{
        return p->unfiltered ? NULL : &p->notify_prog;
}

const char *policy_name(const struct policy *p)
{
        return p->name;
}

/* ---- names of syscall numbers, for reports ---- */

#define SYSCALL_NAMES_MAX SYSCALL_NR_MAX
static char *syscall_names[SYSCALL_NAMES_MAX];
static pthread_once_t syscall_names_once = PTHREAD_ONCE_INIT;

static void syscall_names_init(void)
{
        for (int nr = 0; nr < SYSCALL_NAMES_MAX; nr++)
                syscall_names[nr] = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
}

const char *policy_syscall_name(long nr)
{
        if (nr < 0 || nr >= SYSCALL_NAMES_MAX)
                return NULL;
        pthread_once(&syscall_names_once, syscall_names_init);
        return syscall_names[nr];
}

/* ---- in the child ---- */

int policy_install(const struct sock_fprog *prog, unsigned flags)
{
        if (!prog)
                return 0;
        long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, prog);
        if (r < 0)
                return -errno;
        return (int)r;
}
