/* forkbomb: forks as fast as it can; every child forks too.  Each process gives
 * up after 50 failed forks and exits, so under a pids limit the bomb is
 * contained and dies out; the parent prints how many forks it saw fail. */
#include <errno.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
        int failures = 0, forks = 0;
        while (failures < 50 && forks < 100000) {
                pid_t p = fork();
                if (p < 0) {
                        failures++;
                        usleep(1000);
                        continue;
                }
                if (p == 0) {
                        failures = 0;
                        forks = 0;
                        continue;
                }
                forks++;
        }
        while (wait(NULL) > 0)
                ;
        fprintf(stderr, "forkbomb %d: %d forks, %d failures\n", (int)getpid(), forks, failures);
        return 0;
}
