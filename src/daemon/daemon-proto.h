/* daemon-proto.h - the wire protocol between `corral` clients and `corral
 * daemon` (docs/daemon.md), shared by both ends and by the fuzz target.
 *
 * One request per connection.  A frame is the four bytes "CRL1", a 32-bit
 * little-endian payload length, and that many bytes of JSON.  The request
 * frame carries, as SCM_RIGHTS on its first byte, the client's stdin, stdout,
 * stderr and current directory; the daemon answers with one reply frame when
 * the command ends.  Nothing here does I/O.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DAEMON_MAGIC       "CRL1"
#define DAEMON_HEADER_SIZE 8
#define DAEMON_PAYLOAD_MAX (64u * 1024) /* a request (or reply) payload, at most */
#define DAEMON_ARGV_MAX    4096         /* arguments in one request */
#define DAEMON_ENV_MAX     64           /* forwarded environment entries */
#define DAEMON_REQUEST_FDS 4            /* stdin, stdout, stderr, cwd */
#define DAEMON_SOCKET_PATH "/run/corral/corral.sock"
#define DAEMON_TENANT_MAX  64

struct daemon_request {
        char **argv; /* the command and its arguments, NULL-terminated */
        size_t argc;
        char **env;   /* allow-listed KEY=VALUE entries (LANG, LC_*, TZ, TERM) */
        char *tenant; /* the tenant the client asks to act for; NULL: its own */
};

void daemon_request_free(struct daemon_request *r);

/* Is command one a client may run through the daemon? */
bool daemon_command_allowed(const char *command);

/* Does command only read (status, list, logs, wait, serve)?  Its worker ends
 * with the daemon: nothing is lost, and a client may ask again. */
bool daemon_command_reads_only(const char *command);

/* May a client that lost the daemon ask again, without doubling output
 * (status, list, wait)? */
bool daemon_command_repeatable(const char *command);

/* Parses and checks a header: 0 and the payload length in *ret_len, -EBADMSG
 * for a wrong magic, -EMSGSIZE for a length over DAEMON_PAYLOAD_MAX or zero. */
int daemon_header_parse(const uint8_t *hdr, uint32_t *ret_len);
void daemon_header_format(uint8_t *hdr, uint32_t len);

/* Parses a request payload and checks everything that can be checked without
 * knowing the peer: the command is one of the allowed ones, no argument before
 * "--" is a global option the daemon sets itself (--state-dir, --cgroup-parent,
 * --policy-dir, --tenant, --socket) nor names a file the root daemon would read
 * for the client (--tools, --policy with a '/'), env entries are allow-listed.
 * -EINVAL with a sentence in err for a bad request, -ENOMEM. */
int daemon_request_parse(const char *payload, size_t len, struct daemon_request **ret, char *err,
                         size_t errlen);

/* The request payload a client sends (malloc'ed JSON, no trailing NUL counted). */
int daemon_request_format(char *const *argv, char *const *env, const char *tenant, char **ret,
                          size_t *ret_len);

/* Reply payloads: {"exit":N} or {"exit":N,"error":"..."}. */
int daemon_reply_format(int exit_status, const char *error, char **ret, size_t *ret_len);
/* -EBADMSG for anything else; *ret_error (malloc'ed, may be NULL) gets the error. */
int daemon_reply_parse(const char *payload, size_t len, int *ret_exit, char **ret_error);

/* True for names of the environment variables a client may forward: the ones
 * the job's environment takes from corral's (src/sandbox/jobenv.h). */
bool daemon_env_allowed(const char *entry);
