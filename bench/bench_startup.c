/* bench_startup.c: how long sockbuf's window takes to show its first frame.
 *
 * Starts `sockbuf LESSON` (default basics) with SOCKBUF_BENCH_FIRST_FRAME=1,
 * which makes the window print the moments its first frame (its
 * background, presented as soon as the window exists) and its first frame
 * with the lesson drawn are presented (CLOCK_MONOTONIC), then quit, and
 * times both from just before the fork: the exec, the dynamic linking,
 * the wire's helper, the window module's dlopen, fonts, the lesson and
 * the drawing all count. Its peer, measured in the same run and
 * interleaved with it: bench_startup_peer, a bare SDL window presenting
 * one cleared frame. Prints the medians and their ratios to the peer's
 * (target: at most 1.2x). Needs a display: run it under `xvfb-run -a` with
 * SDL_FRAMEBUFFER_ACCELERATION=0, as the tests run the window.
 * Usage: bench_startup [--runs N] [--lang en|ja] [SOCKBUF [LESSON]]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double mono_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Runs argv with SOCKBUF_BENCH_FIRST_FRAME=1, its stderr into a pipe;
 * returns the seconds from the fork to its "first-frame T" line, or -1;
 * *content gets those to its "first-content T" line (-1 when none), *cpu
 * the CPU seconds it used (user and system, its threads included). */
static double first_frame(char *const argv[], double *content, double *cpu)
{
    int p[2];
    if (pipe(p) < 0)
        return -1;
    double t0 = mono_s();
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], 2);
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, 1);
        close(p[0]);
        close(p[1]);
        setenv("SOCKBUF_BENCH_FIRST_FRAME", "1", 1);
        execv(argv[0], argv);
        _exit(127);
    }
    close(p[1]);
    char buf[8192];
    size_t n = 0;
    ssize_t k;
    while (n < sizeof buf - 1 && (k = read(p[0], buf + n, sizeof buf - 1 - n)) != 0) {
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            break;
        n += (size_t)k;
    }
    buf[n] = '\0';
    close(p[0]);
    int st;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    while (wait4(pid, &st, 0, &ru) < 0 && errno == EINTR)
        ;
    /* CPU time of the whole run (it quits at its first drawn frame): a
     * figure the neighbours' load does not stretch as it does the wall. */
    *cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    const char *at = strstr(buf, "first-frame "), *c = strstr(buf, "first-content ");
    if (!at) {
        fprintf(stderr, "bench_startup: %s printed no first-frame line:\n%s", argv[0], buf);
        return -1;
    }
    *content = c ? atof(c + 14) - t0 : -1;
    return atof(at + 12) - t0;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    int runs = 15;
    const char *bin = "build/sockbuf", *lesson = "basics", *lang = "en";
    int pos = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--lang") && i + 1 < argc)
            lang = argv[++i];
        else if (pos++ == 0)
            bin = argv[i];
        else
            lesson = argv[i];
    }
    if (runs < 1)
        runs = 1;
    char peer[4096];
    snprintf(peer, sizeof peer, "%s", argv[0]);
    char *slash = strrchr(peer, '/');
    snprintf(slash ? slash + 1 : peer, sizeof peer - (size_t)(slash ? slash + 1 - peer : 0),
             "bench_startup_peer");
    if (!getenv("DISPLAY") && !getenv("WAYLAND_DISPLAY")) {
        fprintf(stderr, "bench_startup: no display; run it under xvfb-run -a\n");
        return 1;
    }
    char *sb[] = {(char *)bin, (char *)lesson, "--lang", (char *)lang, NULL};
    char *pe[] = {peer, NULL};
    double *a = calloc((size_t)runs, sizeof *a), *b = calloc((size_t)runs, sizeof *b);
    double *ac = calloc((size_t)runs, sizeof *ac);
    double *ca = calloc((size_t)runs, sizeof *ca), *cb = calloc((size_t)runs, sizeof *cb);
    double unused, unused_cpu;
    if (!a || !b || !ac || !ca || !cb)
        return 1;
    /* One of each first, not counted: the page cache warms for both. */
    if (first_frame(sb, &unused, &unused_cpu) < 0 || first_frame(pe, &unused, &unused_cpu) < 0)
        return 1;
    for (int i = 0; i < runs; i++) {
        a[i] = first_frame(sb, &ac[i], &ca[i]);
        b[i] = first_frame(pe, &unused, &cb[i]);
        if (a[i] < 0 || b[i] < 0 || ac[i] < 0)
            return 1;
    }
    qsort(a, (size_t)runs, sizeof *a, cmp_d);
    qsort(ac, (size_t)runs, sizeof *ac, cmp_d);
    qsort(b, (size_t)runs, sizeof *b, cmp_d);
    qsort(ca, (size_t)runs, sizeof *ca, cmp_d);
    qsort(cb, (size_t)runs, sizeof *cb, cmp_d);
    double ma = a[runs / 2] * 1000, mc = ac[runs / 2] * 1000, mb = b[runs / 2] * 1000;
    printf("bench_startup: %d runs each, interleaved, `%s %s --lang %s`\n", runs, bin, lesson,
           lang);
    printf("bare SDL window (peer), first frame:   median %7.1f ms (min %.1f, max %.1f)\n", mb,
           b[0] * 1000, b[runs - 1] * 1000);
    printf("sockbuf first frame (its background):  median %7.1f ms (min %.1f, max %.1f)  "
           "%.2fx the peer (target at most 1.2x)\n",
           ma, a[0] * 1000, a[runs - 1] * 1000, mb > 0 ? ma / mb : 0);
    printf("sockbuf first frame with the lesson:   median %7.1f ms (min %.1f, max %.1f)  "
           "%.2fx the peer\n",
           mc, ac[0] * 1000, ac[runs - 1] * 1000, mb > 0 ? mc / mb : 0);
    printf("CPU time (user+system, to the first drawn frame and exit): sockbuf %.1f ms, "
           "peer %.1f ms, %.2fx (the load stretches it less than the wall)\n",
           ca[runs / 2] * 1000, cb[runs / 2] * 1000,
           cb[runs / 2] > 0 ? ca[runs / 2] / cb[runs / 2] : 0);
    free(a);
    free(ac);
    free(b);
    free(ca);
    free(cb);
    return 0;
}
