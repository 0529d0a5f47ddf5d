/* fdpass.h - file descriptors over a Unix socket (SCM_RIGHTS).
 *
 * Each message carries one byte of data beside its fds, so that a receiver
 * tells a message from the sender's end (EOF).  Only sendmsg and recvmsg:
 * safe in a clone child before exec.  Both return -errno.
 */
#pragma once

#include <stddef.h>

#define FDPASS_MAX 8

/* Sends fds[0..n) (1 <= n <= FDPASS_MAX) with the byte tag; never SIGPIPE. */
int fdpass_send(int sock, char tag, const int *fds, size_t n);

/* Receives one message: its fds (close-on-exec) in fds[], at most max, and
 * its byte in *ret_tag.  Returns the number of fds; -ECONNRESET at EOF;
 * -EPROTO for a message without fds or with more than max (any it carried
 * are closed). */
int fdpass_recv(int sock, char *ret_tag, int *fds, size_t max);
