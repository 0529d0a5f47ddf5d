/* fuzz_policy.c - libFuzzer target: parse and compile a policy from arbitrary bytes.
 *
 * Every input must either compile to a BPF program the kernel would accept in size, or fail
 * with a negative errno and a "name:line: reason" message; never crash, leak or read out of
 * bounds (ASan/UBSan watch that).  A compiled policy's notify-mode program must also agree
 * with its enforcing program (USER_NOTIF exactly when the verdict is not allow) on syscalls
 * and arguments taken from the input.  Includes resolve in the shipped policies/ directory, so
 * `include default` and friends are exercised too.  Seed corpus: policies/ and corpus/. */
#include <linux/audit.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char err[256];
        struct policy *p = NULL;

        memset(err, 'x', sizeof(err));
        int r = policy_parse_buffer("fuzz", (const char *)data, size, CORRAL_SOURCE_POLICY_DIR, &p,
                                    err, sizeof(err));
        if (r < 0) {
                /* An error always comes with a terminated message naming the input. */
                if (p || !memchr(err, '\0', sizeof(err)))
                        abort();
                return 0;
        }
        const struct sock_fprog *prog = policy_bpf(p);
        if (prog && (prog->len == 0 || prog->len > 4096 || !prog->filter))
                abort();
        if (prog) {
                const struct sock_fprog *notify = policy_bpf_notify(p);
                for (size_t i = 0; i < 16; i++) {
                        struct seccomp_data d = {.arch = AUDIT_ARCH_X86_64};
                        uint64_t v = 0;
                        for (size_t j = 0; j < 8 && size > 0; j++)
                                v = v << 8 | data[(i * 8 + j) % size];
                        d.nr = (int)((v >> 3) % 460);
                        for (size_t a = 0; a < 6; a++)
                                d.args[a] = (a + i) % 3 == 0 ? v : (a + i) % 3 == 1 ? v & 0xff : ~v;
                        uint32_t e = policy_evaluate(p, &d);
                        uint32_t n = policy_bpf_run(notify, &d);
                        if ((e != SECCOMP_RET_ALLOW) != (n == SECCOMP_RET_USER_NOTIF))
                                abort();
                }
        }
        policy_free(p);
        return 0;
}
