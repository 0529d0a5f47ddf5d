/* daemonize PIDFILE: double-forks and calls setsid, as a daemon escaping its
 * parent would; the grandchild writes its pid to PIDFILE and sleeps forever.
 * The original process then sleeps forever too.  Only a group-wide kill ends
 * both. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
        if (argc != 2) {
                fprintf(stderr, "usage: daemonize PIDFILE\n");
                return 2;
        }
        pid_t p = fork();
        if (p < 0)
                return 1;
        if (p == 0) {
                setsid();
                if (fork() != 0)
                        _exit(0);
                char buf[32];
                int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
                char tmp[4096];
                snprintf(tmp, sizeof(tmp), "%s.tmp", argv[1]);
                int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
                if (fd >= 0) {
                        if (write(fd, buf, (size_t)n) != n)
                                _exit(1);
                        close(fd);
                        rename(tmp, argv[1]);
                }
                for (;;)
                        pause();
        }
        for (;;)
                pause();
}
