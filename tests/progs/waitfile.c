/* waitfile PATH: sleeps until PATH exists, then exits 0. */
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
        if (argc != 2) {
                fprintf(stderr, "usage: waitfile PATH\n");
                return 2;
        }
        while (access(argv[1], F_OK) != 0)
                usleep(10000);
        return 0;
}
