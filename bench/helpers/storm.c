/* storm PID COUNT SIG...: send COUNT signals to PID as fast as possible,
 * cycling through the given signal numbers.  Prints one line:
 *   sent=N eagain=M elapsed_s=S
 * EAGAIN (the receiver's real-time signal queue is full) is counted, not fatal;
 * any other error (e.g. ESRCH: the target died) stops the storm with exit 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    int sigs[64];
    int nsigs = 0;
    long count, i, sent = 0, eagain = 0;
    pid_t pid;
    double t0;
    if (argc < 4) {
        fprintf(stderr, "usage: storm PID COUNT SIG...\n");
        return 2;
    }
    pid = (pid_t)atol(argv[1]);
    count = atol(argv[2]);
    for (i = 3; i < argc && nsigs < 64; i++) {
        sigs[nsigs++] = atoi(argv[i]);
    }
    t0 = now();
    for (i = 0; i < count; i++) {
        if (kill(pid, sigs[i % nsigs]) == 0) {
            sent++;
        } else if (errno == EAGAIN) {
            eagain++;
        } else {
            perror("storm: kill");
            printf("sent=%ld eagain=%ld elapsed_s=%.6f\n", sent, eagain, now() - t0);
            return 1;
        }
    }
    printf("sent=%ld eagain=%ld elapsed_s=%.6f\n", sent, eagain, now() - t0);
    return 0;
}
