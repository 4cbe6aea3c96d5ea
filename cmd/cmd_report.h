/* cmd_report.h: what `sockbuf check` found, and its CI report formats.
 *
 * check (cmd_lesson.c) runs each lesson, possibly in a child process, and
 * fills one cmd_report per lesson: its exit status, the text it would
 * print, and one lesson_case per expectation checked (passed or not) plus
 * one per lesson-level failure (a side left blocked, a parse error); a case
 * may be skipped (not checked, with its reason), which fails nothing. The
 * writers turn a list of them into JUnit XML (one <testsuite> per lesson,
 * one <testcase> per case, with file and line; a failure carries expected
 * and got) or TAP version 13 (one test point per case). A report can be
 * packed into bytes and back, to cross from a child process to its parent.
 */
#ifndef SOCKBUF_CMD_REPORT_H
#define SOCKBUF_CMD_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "lesson.h"

/* What a case is. */
typedef enum {
    LESSON_CASE_EXPECT = 1, /* an expectation, in one mode */
    LESSON_CASE_BLOCKED,    /* the lesson ended with a side blocked */
    LESSON_CASE_INTERNAL,   /* the runner failed, or could not start */
    LESSON_CASE_PARSE,      /* the lesson does not parse (a JUnit <error>) */
} lesson_case_kind;

/* One checked thing. */
typedef struct {
    lesson_case_kind kind; /* as above */
    int line;              /* source line (1 when none) */
    unsigned mode;         /* LESSON_MODE_SIM / _REAL, or 0 when not one mode */
    bool ok;               /* it held */
    char what[200];        /* "conn.recv_queue == 12" or a message */
    char got[160];         /* the value found ("0"), "" when not a value */
    bool skipped;          /* not checked (ok is false): neither passed nor failed,
                              for the reason in skip_reason (a JUnit <skipped>,
                              TAP "# SKIP") */
    char skip_reason[120]; /* "the snapshot came 23 ms late (machine busy)" */
    double seconds;        /* wall time of the step it was checked in (its statements,
                              waits and settle), 0 when not in a step */
} lesson_case;

/* One lesson's result. */
typedef struct {
    char *path;         /* the lesson file (owned) */
    int status;         /* 0 passed, 1 failed, 2 did not parse */
    double seconds;     /* wall time it took */
    lesson_case *cases; /* ncases of them, in the order checked (owned) */
    int ncases;
    int cap;        /* allocated cases */
    char *out_text; /* what check prints on stdout for it (owned, may be NULL) */
    char *err_text; /* ... and on stderr (owned, may be NULL) */
} cmd_report;

/* Appends a case; returns 0 or -ENOMEM. */
int cmd_report_add(cmd_report *r, const lesson_case *c);

/* Frees what r owns and zeroes it. Accepts NULL. */
void cmd_report_clear(cmd_report *r);

/* Packs r (all but path) into a malloc'd buffer (*buf, *len). 0 or -ENOMEM. */
int cmd_report_pack(const cmd_report *r, char **buf, size_t *len);

/* Unpacks len bytes made by cmd_report_pack into r (path untouched).
 * Returns 0, or -EINVAL for a truncated or damaged buffer. */
int cmd_report_unpack(cmd_report *r, const char *buf, size_t len);

/* The JUnit consumer a report is written for. */
typedef enum {
    CMD_JUNIT_FULL = 0, /* every attribute: testcase file= and line= too (GitLab,
                           GitHub's reporters, tests/junit.xsd) */
    CMD_JUNIT_JENKINS,  /* only what Jenkins' strict xunit schema allows
                           (tests/junit-jenkins.xsd): no testcase file= or line= */
} cmd_junit_flavor;

/* Writes JUnit XML for n reports to f, in the flavor asked for. Returns
 * 0, or -EIO when f fails. */
int cmd_report_junit(FILE *f, const cmd_report *reps, int n, cmd_junit_flavor flavor);

/* Writes TAP version 13 for n reports to f. Returns 0, or -EIO. */
int cmd_report_tap(FILE *f, const cmd_report *reps, int n);

#endif
