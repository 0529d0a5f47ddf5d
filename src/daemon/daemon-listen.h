/* daemon-listen.h - the daemon's listening socket: inherited from systemd
 * (socket activation, LISTEN_PID/LISTEN_FDS) or bound at a path. */
#pragma once

/* When systemd passed exactly one listening Unix stream socket to this
 * process, returns it (fd 3, now close-on-exec) and unsets LISTEN_*.  Returns
 * -ENOENT when nothing was passed, -EINVAL when what was passed is not one
 * listening Unix stream socket. */
int daemon_listen_inherited(void);

/* Binds and listens at path (creating its directory, mode 0755, when
 * missing).  A socket file left by a dead daemon is replaced; a live one is
 * -EADDRINUSE; a path that is not a socket is -EEXIST.  The socket is mode
 * 0666: every local user may connect, and the daemon decides what each may
 * do (docs/daemon.md). */
int daemon_listen_path(const char *path);
