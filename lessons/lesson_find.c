/* lesson_find.c: where the bundled lessons live.
 *
 * A lesson is named by path or by short name ("chat", "03-chat", "03").
 * Bundled lessons are searched in the source tree (SOCKBUF_SOURCE_LESSONS,
 * so a fresh build finds them), the installed copy
 * (SOCKBUF_INSTALL_LESSONS), <dir of the executable>/../share/sockbuf/lessons
 * (a relocated install) and ./lessons. Called by the CLI and the window.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lesson.h"

#ifndef SOCKBUF_SOURCE_LESSONS
#define SOCKBUF_SOURCE_LESSONS ""
#endif
#ifndef SOCKBUF_INSTALL_LESSONS
#define SOCKBUF_INSTALL_LESSONS ""
#endif

/* Writes the n-th candidate folder to out; returns false past the last. */
static bool lesson_dir(int n, char *out, size_t outlen)
{
    switch (n) {
    case 0:
        snprintf(out, outlen, "%s", SOCKBUF_SOURCE_LESSONS);
        return true;
    case 1:
        snprintf(out, outlen, "%s", SOCKBUF_INSTALL_LESSONS);
        return true;
    case 2: {
        char exe[PATH_MAX];
        ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
        out[0] = '\0';
        if (k > 0) {
            exe[k] = '\0';
            char *slash = strrchr(exe, '/');
            if (slash) {
                *slash = '\0';
                snprintf(out, outlen, "%.*s/../share/sockbuf/lessons", (int)(outlen - 40), exe);
            }
        }
        return true;
    }
    case 3:
        snprintf(out, outlen, "lessons");
        return true;
    }
    return false;
}

/* Opens the first candidate folder from *n on that can be opened, writes
 * its path to dir and moves *n past it; NULL when none is left. The
 * caller closes the DIR. */
static DIR *next_lesson_dir(int *n, char *dir, size_t dirlen)
{
    while (lesson_dir(*n, dir, dirlen)) {
        (*n)++;
        DIR *d = dir[0] ? opendir(dir) : NULL;
        if (d)
            return d;
    }
    return NULL;
}

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Does the file name "03-chat.lesson" answer to name? */
static bool name_matches(const char *file, const char *name)
{
    size_t fl = strlen(file), nl = strlen(name);
    if (fl < 7 || strcmp(file + fl - 7, ".lesson"))
        return false;
    fl -= 7;
    if (nl == fl && !strncmp(file, name, fl))
        return true; /* 03-chat */
    const char *dash = memchr(file, '-', fl);
    if (!dash)
        return false;
    size_t pl = (size_t)(dash - file);
    if (nl == pl && !strncmp(file, name, pl))
        return true;                                          /* 03 */
    return nl == fl - pl - 1 && !strncmp(dash + 1, name, nl); /* chat */
}

int lesson_find(const char *name_or_path, char *out, size_t outlen)
{
    char dir[PATH_MAX];
    if (!name_or_path || !*name_or_path)
        return -ENOENT;
    if (is_file(name_or_path)) {
        snprintf(out, outlen, "%s", name_or_path);
        return 0;
    }
    if (strchr(name_or_path, '/'))
        return -ENOENT;
    DIR *d;
    for (int n = 0; (d = next_lesson_dir(&n, dir, sizeof dir));) {
        struct dirent *e;
        char best[256] = "";
        while ((e = readdir(d))) {
            if (name_matches(e->d_name, name_or_path) && (!best[0] || strcmp(e->d_name, best) < 0))
                snprintf(best, sizeof best, "%s", e->d_name);
        }
        closedir(d);
        if (best[0]) {
            snprintf(out, outlen, "%s/%s", dir, best);
            if (is_file(out))
                return 0;
        }
    }
    return -ENOENT;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int lesson_list_bundled(char **paths, int max)
{
    char dir[PATH_MAX];
    DIR *d;
    for (int n = 0; (d = next_lesson_dir(&n, dir, sizeof dir));) {
        int count = 0;
        char *names[256];
        struct dirent *e;
        while ((e = readdir(d)) && count < 256) {
            size_t l = strlen(e->d_name);
            if (l > 7 && !strcmp(e->d_name + l - 7, ".lesson") && e->d_name[0] != '.')
                names[count++] = strdup(e->d_name);
        }
        closedir(d);
        if (!count)
            continue;
        qsort(names, (size_t)count, sizeof names[0], cmp_str);
        int w = 0;
        for (int i = 0; i < count; i++) {
            if (names[i] && w < max) {
                size_t need = strlen(dir) + strlen(names[i]) + 2;
                paths[w] = malloc(need);
                if (paths[w]) {
                    snprintf(paths[w], need, "%s/%s", dir, names[i]);
                    w++;
                }
            }
            free(names[i]);
        }
        return w;
    }
    return 0;
}
