/* orphans MODE COUNT: workload for the reaping measurement; run it as the
 * child of an init that is PID 1 of a fresh PID namespace with its own /proc
 * (unshare --pid --fork --mount-proc INIT -- orphans ...).
 *
 * It creates COUNT orphans by double fork: an intermediate child forks a
 * grandchild and exits at once (we reap the intermediate), so the grandchild
 * is re-parented to the init, which has to reap it when it exits.
 *
 *   stream: each grandchild exits immediately.
 *   burst:  grandchildren block until all COUNT exist, then are released at once.
 *
 * Every grandchild holds the write end of an "alive" pipe; since a process
 * closes its files before it becomes a zombie, EOF on that pipe is the moment
 * the last orphan has exited.  From then on we count the numeric entries of
 * /proc (readdir only, no reads: zombies keep their entry until reaped) until
 * it is back to the count before the run, i.e. the init has reaped them all.
 * A short sleep between scans keeps the poller from competing with the init.
 *
 * Prints one JSON object:
 *   {"mode":..., "count":N, "create_s":..., "exit_s":..., "reaped_s":..., "lag_ms":...}
 * create_s: time to create them (stream: includes their exits), exit_s: start
 * (stream) or release (burst) to the last exit, reaped_s: same origin to the
 * last reap, lag_ms: last exit to last reap.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long count_procs(void) {
    DIR *d = opendir("/proc");
    struct dirent *e;
    long n = 0;
    if (d == NULL) {
        perror("orphans: opendir /proc");
        exit(1);
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] >= '1' && e->d_name[0] <= '9') {
            n++;
        }
    }
    closedir(d);
    return n;
}

static void drain_eof(int fd) {
    char buf[64];
    for (;;) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r == 0) {
            return;
        }
        if (r < 0 && errno != EINTR) {
            perror("orphans: read");
            exit(1);
        }
    }
}

int main(int argc, char **argv) {
    int burst, alive[2], go[2] = {-1, -1};
    long count, i, baseline, scans = 0;
    double t0, t_created, t_release, t_exit, t_reaped;
    struct timespec nap = {0, 100000}; /* 100 us between /proc scans */
    if (argc != 3 || (strcmp(argv[1], "stream") != 0 && strcmp(argv[1], "burst") != 0)) {
        fprintf(stderr, "usage: orphans stream|burst COUNT\n");
        return 2;
    }
    burst = strcmp(argv[1], "burst") == 0;
    count = atol(argv[2]);
    if (getpid() == 1) {
        fprintf(stderr, "orphans: must not be PID 1 (run it under an init)\n");
        return 2;
    }
    baseline = count_procs();
    if (pipe(alive) != 0 || (burst && pipe(go) != 0)) {
        perror("orphans: pipe");
        return 1;
    }
    t0 = now();
    for (i = 0; i < count; i++) {
        pid_t pid = fork();
        if (pid < 0) {
            perror("orphans: fork");
            return 1;
        }
        if (pid == 0) {
            pid_t gpid = fork();
            if (gpid == 0) {
                close(alive[0]);
                if (burst) {
                    char c;
                    close(go[1]);
                    while (read(go[0], &c, 1) < 0 && errno == EINTR) {
                    }
                }
                _exit(0);
            }
            _exit(gpid < 0 ? 1 : 0);
        }
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
        }
    }
    t_created = now();
    close(alive[1]);
    t_release = t_created;
    if (burst) {
        t_release = now();
        close(go[1]);
    }
    drain_eof(alive[0]);
    t_exit = now();
    while (count_procs() > baseline) {
        scans++;
        nanosleep(&nap, NULL);
    }
    t_reaped = now();
    if (!burst) {
        t_release = t0;
    }
    printf("{\"mode\": \"%s\", \"count\": %ld, \"create_s\": %.6f, \"exit_s\": %.6f, "
           "\"reaped_s\": %.6f, \"lag_ms\": %.4f, \"scans\": %ld}\n",
           argv[1], count, t_created - t0, t_exit - t_release, t_reaped - t_release,
           (t_reaped - t_exit) * 1e3, scans);
    return 0;
}
