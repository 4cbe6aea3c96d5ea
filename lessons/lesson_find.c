/* lesson_find.c: where the bundled lessons live.
 *
 * A lesson is named by path or by short name ("chat", "03-chat", "03").
 * Bundled lessons are searched in the source tree (SOCKBUF_SOURCE_LESSONS,
 * so a fresh build finds them), the installed copy
 * (SOCKBUF_INSTALL_LESSONS), <dir of the executable>/../share/sockbuf/lessons
 * (a relocated install) and ./lessons. A unique prefix of a bundled name
 * works too ("nagle", "05-n"). Called by the CLI and the window.
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

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Does the file name "05-nagle-delayed-ack.lesson" start with prefix, as a
 * whole ("05-na") or after its number ("nagle")? */
static bool prefix_matches(const char *file, const char *prefix)
{
    size_t fl = strlen(file), pl = strlen(prefix);
    if (fl < 7 || strcmp(file + fl - 7, ".lesson") || !pl || pl > fl - 7)
        return false;
    if (!strncmp(file, prefix, pl))
        return true;
    const char *dash = memchr(file, '-', fl - 7);
    return dash && pl <= (size_t)(file + fl - 7 - dash - 1) && !strncmp(dash + 1, prefix, pl);
}

/* The bundled lessons whose names start with prefix, in the first folder
 * that has any: sorted file names in names (count returned, at most max,
 * malloc'd), that folder in dir. */
static int prefix_candidates(const char *prefix, char **names, int max, char *dir, size_t dirlen)
{
    DIR *d;
    for (int n = 0; (d = next_lesson_dir(&n, dir, dirlen));) {
        int count = 0;
        struct dirent *e;
        while ((e = readdir(d)) && count < max)
            if (e->d_name[0] != '.' && prefix_matches(e->d_name, prefix))
                if ((names[count] = strdup(e->d_name)))
                    count++;
        closedir(d);
        if (count) {
            qsort(names, (size_t)count, sizeof names[0], cmp_str);
            return count;
        }
    }
    return 0;
}

static int find_exact(const char *name_or_path, char *out, size_t outlen);

int lesson_find(const char *name_or_path, char *out, size_t outlen)
{
    int rc = find_exact(name_or_path, out, outlen);
    if (rc == 0 || !name_or_path || !*name_or_path || strchr(name_or_path, '/'))
        return rc;
    char *names[64], dir[PATH_MAX];
    int n = prefix_candidates(name_or_path, names, 64, dir, sizeof dir);
    if (n == 1) {
        snprintf(out, outlen, "%s/%s", dir, names[0]);
        rc = is_file(out) ? 0 : -ENOENT;
    } else if (n > 1) {
        rc = -EEXIST;
    }
    for (int i = 0; i < n; i++)
        free(names[i]);
    return rc;
}

int lesson_find_explain(const char *name, char *msg, size_t cap)
{
    char *names[64], dir[PATH_MAX];
    int n = name && *name && !strchr(name, '/')
                ? prefix_candidates(name, names, 64, dir, sizeof dir)
                : 0;
    if (n > 1) {
        size_t len = (size_t)snprintf(msg, cap, "'%s' is ambiguous: it could be", name);
        for (int i = 0; i < n; i++) {
            size_t l = strlen(names[i]) - 7;
            if (len < cap)
                len += (size_t)snprintf(msg + len, cap - len, "%s %.*s", i ? "," : "", (int)l,
                                        names[i]);
        }
    } else {
        snprintf(msg, cap, "no lesson '%s' (not a file, a folder or a bundled lesson's name)",
                 name ? name : "");
    }
    for (int i = 0; i < n; i++)
        free(names[i]);
    return n > 1 ? -EEXIST : -ENOENT;
}

static int find_exact(const char *name_or_path, char *out, size_t outlen)
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
