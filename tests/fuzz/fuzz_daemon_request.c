/* Fuzzes daemon-proto.c, the parser `corral daemon` runs as root on what any
 * local user sends: a frame header, then the JSON request.  Checks the
 * promises the server relies on: a header accepted names a length within
 * bounds; a request accepted names an allowed command, carries no global
 * option before "--" and no environment entry outside the allow-list, and
 * survives a format/parse round trip unchanged. */
#include "daemon-proto.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check_request(const struct daemon_request *r)
{
        if (!r->argv || r->argc == 0 || !daemon_command_allowed(r->argv[0]))
                abort();
        static const char *const globals[] = {"--state-dir", "--cgroup-parent", "--policy-dir",
                                              "--tenant", "--socket"};
        for (size_t i = 1; i < r->argc; i++) {
                if (strcmp(r->argv[i], "--") == 0)
                        break;
                for (size_t g = 0; g < sizeof(globals) / sizeof(globals[0]); g++) {
                        size_t n = strlen(globals[g]);
                        if (strncmp(r->argv[i], globals[g], n) == 0 &&
                            (r->argv[i][n] == 0 || r->argv[i][n] == '='))
                                abort();
                }
        }
        for (size_t i = 0; r->env && r->env[i]; i++)
                if (!daemon_env_allowed(r->env[i]))
                        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size >= DAEMON_HEADER_SIZE) {
                uint32_t len;
                if (daemon_header_parse(data, &len) == 0 && (len == 0 || len > DAEMON_PAYLOAD_MAX))
                        abort();
        }
        char err[512];
        struct daemon_request *r = NULL;
        if (daemon_request_parse((const char *)data, size, &r, err, sizeof(err)) < 0)
                return 0;
        check_request(r);
        char *again = NULL;
        size_t again_len;
        if (daemon_request_format(r->argv, r->env, r->tenant, &again, &again_len) == 0) {
                struct daemon_request *r2 = NULL;
                if (daemon_request_parse(again, again_len, &r2, err, sizeof(err)) < 0)
                        abort();
                if (r2->argc != r->argc)
                        abort();
                for (size_t i = 0; i < r->argc; i++)
                        if (strcmp(r->argv[i], r2->argv[i]) != 0)
                                abort();
                daemon_request_free(r2);
                free(again);
        }
        daemon_request_free(r);
        return 0;
}
