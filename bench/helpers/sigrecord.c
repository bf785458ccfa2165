/* sigrecord CTL_FIFO OUT_FIFO SIG...: workload for the signal-storm measurement.
 *
 * Counts every received signal of the given numbers and remembers which ones
 * were seen since the last reset.  Commands are single lines read from CTL_FIFO,
 * answers are single lines written to OUT_FIFO:
 *   c  -> "counts SIG:N SIG:N ..."   (totals since start)
 *   r  -> "ok"                       (clears the seen flags)
 *   s  -> "seen SIG:0|1 ..."          (seen since the last reset)
 *   q  -> exits 0
 * Writes "ready" once the handlers are installed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAXSIG 65

static volatile sig_atomic_t seen[MAXSIG];
static volatile unsigned long counts[MAXSIG];
static int sigs[MAXSIG];
static int nsigs;

static void on_signal(int sig) {
    if (sig > 0 && sig < MAXSIG) {
        counts[sig]++;
        seen[sig] = 1;
    }
}

static void reply(int fd, const char *line) {
    size_t len = strlen(line);
    if (write(fd, line, len) != (ssize_t)len) {
        _exit(3);
    }
}

int main(int argc, char **argv) {
    struct sigaction sa;
    sigset_t block, old;
    int ctl, out, i;
    FILE *in;
    char line[64];
    char buf[4096];
    if (argc < 4) {
        fprintf(stderr, "usage: sigrecord CTL_FIFO OUT_FIFO SIG...\n");
        return 2;
    }
    for (i = 3; i < argc && nsigs < MAXSIG; i++) {
        int s = atoi(argv[i]);
        if (s <= 0 || s >= MAXSIG) {
            fprintf(stderr, "sigrecord: bad signal %s\n", argv[i]);
            return 2;
        }
        sigs[nsigs++] = s;
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigfillset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigemptyset(&block);
    for (i = 0; i < nsigs; i++) {
        if (sigaction(sigs[i], &sa, NULL) != 0) {
            perror("sigrecord: sigaction");
            return 1;
        }
        sigaddset(&block, sigs[i]);
    }
    out = open(argv[2], O_WRONLY | O_CLOEXEC);
    ctl = open(argv[1], O_RDWR | O_CLOEXEC); /* O_RDWR: never sees EOF, never blocks on open */
    if (out < 0 || ctl < 0) {
        perror("sigrecord: open");
        return 1;
    }
    in = fdopen(ctl, "r");
    if (in == NULL) {
        return 1;
    }
    reply(out, "ready\n");
    for (;;) {
        if (fgets(line, sizeof line, in) == NULL) {
            if (ferror(in) && errno == EINTR) {
                clearerr(in);
                continue;
            }
            return 1;
        }
        /* snapshot with our signals blocked so a line is consistent */
        sigprocmask(SIG_BLOCK, &block, &old);
        if (line[0] == 'c' || line[0] == 's') {
            size_t n = (size_t)snprintf(buf, sizeof buf, "%s", line[0] == 'c' ? "counts" : "seen");
            for (i = 0; i < nsigs && n < sizeof buf - 32; i++) {
                int s = sigs[i];
                n += (size_t)snprintf(buf + n, sizeof buf - n, " %d:%lu", s,
                                      line[0] == 'c' ? counts[s] : (unsigned long)seen[s]);
            }
            snprintf(buf + n, sizeof buf - n, "\n");
        } else if (line[0] == 'r') {
            for (i = 0; i < MAXSIG; i++) {
                seen[i] = 0;
            }
            snprintf(buf, sizeof buf, "ok\n");
        } else if (line[0] == 'q') {
            return 0;
        } else {
            snprintf(buf, sizeof buf, "error\n");
        }
        sigprocmask(SIG_SETMASK, &old, NULL);
        reply(out, buf);
    }
}
