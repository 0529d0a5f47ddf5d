/* fuzz_policy.c - libFuzzer target: parse and compile a policy from arbitrary bytes.
 *
 * Every input must either compile to a BPF program the kernel would accept in size, or fail
 * with a negative errno and a "name:line: reason" message; never crash, leak or read out of
 * bounds (ASan/UBSan watch that).  Includes resolve in the shipped policies/ directory, so
 * `include default` and friends are exercised too.  Seed corpus: policies/ and corpus/. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "corral/policy.h"

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
        policy_free(p);
        return 0;
}
