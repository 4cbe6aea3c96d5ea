/* viz_code.h: the code panel's pure parts: where a statement breaks into
 * rows (at argument boundaries, never mid-name), which statement the
 * animation has reached, and how a step's statements go on pages when
 * the panel cannot hold them all. No SDL: widths come from a callback
 * (viz_font.c measures with the fonts; tests with fixed widths).
 */
#ifndef SOCKBUF_VIZ_CODE_H
#define SOCKBUF_VIZ_CODE_H

#include "viz_scene.h"
#include "viz_wrap.h"

/* Breaks one statement s[0..len) into rows for a panel max_w wide, as
 * width measures them, keeping every character: rows after the first
 * have indent less room (the caller indents them). A row ends, where it
 * can, after "(" or "," outside a string literal (so a continuation row
 * starts with an argument), else after a space, else where it is full.
 * Writes each row's start offset and length (trailing spaces dropped)
 * into starts/lens, at most max rows, and returns the row count. */
int viz_code_wrap(const char *s, int len, int max_w, int indent, viz_wrap_width_fn width, void *ud,
                  int *starts, int *lens, int max);

/* The statement the animation is at, given how far it is through the
 * step's code (progress 0..1): *cur the one running (-1: none ran), and
 * *blocked the first blocked one (-1: none), where it rests at the end. */
void viz_code_cursor(const viz_code *code, int ncode, double progress, int *cur, int *blocked);

/* Pages of whole statements: rows[i] is statement i's row count, a page
 * holds `room` rows. Statements go on a page while they fit (a statement
 * taller than a page gets a page of its own). Writes each page's first
 * statement into first[] (first[pages] = n, at most max_pages pages) and
 * returns the page count (1: everything fits, or n is 0). */
int viz_code_paginate(const int *rows, int n, int room, int *first, int max_pages);

/* The page (of `pages`, starts in first[]) statement `stmt` is on; 0 for
 * stmt < 0. */
int viz_code_page_of(const int *first, int pages, int stmt);

/* The first statement page `page` shows: first[page], but the last page
 * fills back with statements of the page before it (shown there too), as
 * many as fit in room rows, so it is not one line in an empty panel. */
int viz_code_page_start(const int *rows, int n, int room, const int *first, int pages, int page);

#endif
