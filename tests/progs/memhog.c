/* memhog MIB: allocates and touches MIB MiB (one byte per page), then exits 0.
 * Under a smaller memory limit the OOM killer ends it first. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
        if (argc != 2) {
                fprintf(stderr, "usage: memhog MIB\n");
                return 2;
        }
        size_t mib = strtoul(argv[1], NULL, 10);
        size_t page = (size_t)sysconf(_SC_PAGESIZE);
        for (size_t i = 0; i < mib; i++) {
                char *p =
                    mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                if (p == MAP_FAILED) {
                        perror("mmap");
                        return 1;
                }
                for (size_t off = 0; off < (1u << 20); off += page)
                        p[off] = 1;
        }
        printf("touched %zu MiB\n", mib);
        return 0;
}
