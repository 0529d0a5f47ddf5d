/* memclimb MIB MS: allocates and touches one MiB every MS milliseconds until
 * MIB MiB are held, then exits 0: a job whose memory climbs slowly enough for
 * its usage series to show the climb (under a smaller limit, to the OOM kill). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
        if (argc != 3) {
                fprintf(stderr, "usage: memclimb MIB MS\n");
                return 2;
        }
        size_t mib = strtoul(argv[1], NULL, 10);
        long ms = strtol(argv[2], NULL, 10);
        size_t page = (size_t)sysconf(_SC_PAGESIZE);
        struct timespec pause = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
        for (size_t i = 0; i < mib; i++) {
                char *p =
                    mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                if (p == MAP_FAILED) {
                        perror("mmap");
                        return 1;
                }
                for (size_t off = 0; off < (1u << 20); off += page)
                        p[off] = 1;
                nanosleep(&pause, NULL);
        }
        printf("held %zu MiB\n", mib);
        return 0;
}
