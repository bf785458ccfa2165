/* latchild FIFO: workload for the forwarding-latency measurement.
 *
 * Opens FIFO for writing, writes an 8-byte zero record ("ready"), then, for
 * every SIGUSR1 it receives, stamps CLOCK_MONOTONIC inside the handler and
 * writes the stamp (int64 nanoseconds, native byte order) to the FIFO.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int out_fd = -1;

static void on_usr1(int sig) {
    struct timespec ts;
    int64_t ns;
    (void)sig;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    if (write(out_fd, &ns, sizeof ns) != (ssize_t)sizeof ns) {
        _exit(3);
    }
}

int main(int argc, char **argv) {
    struct sigaction sa;
    int64_t zero = 0;
    if (argc != 2) {
        fprintf(stderr, "usage: latchild FIFO\n");
        return 2;
    }
    out_fd = open(argv[1], O_WRONLY | O_CLOEXEC);
    if (out_fd < 0) {
        perror("latchild: open");
        return 1;
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigfillset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    if (sigaction(SIGUSR1, &sa, NULL) != 0) {
        perror("latchild: sigaction");
        return 1;
    }
    if (write(out_fd, &zero, sizeof zero) != (ssize_t)sizeof zero) {
        return 1;
    }
    for (;;) {
        pause();
    }
}
