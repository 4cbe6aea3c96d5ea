/* lesson_value.c: the interpreter's values. See lesson_interp.h.
 *
 * Bytes and str are immutable, as in Python, so a copy of a long one
 * shares its buffer and counts its holders; every long buffer counts
 * against the lesson's memory budget. print() and repr() follow CPython
 * (the float repr is the shortest that reads back), and one comparison
 * serves every expectation.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base_text.h"
#include "lesson_interp.h"

/* Makes src's data shared (one holder so far) and adds a holder; returns
 * its holders, or NULL when out of memory. src is const to its callers;
 * only its holders are set. */
vshare *lesson_value_share(const value *src)
{
    value *v = (value *)src;
    if (!v->sh) {
        v->sh = calloc(1, sizeof *v->sh);
        if (!v->sh)
            return NULL;
        v->sh->refs = 1;
    }
    v->sh->refs++;
    return v->sh;
}

/* Drops one holder of data (counted by sh, or owned alone when NULL);
 * the last one frees it and gives its bytes back to the budget. */
void lesson_data_release(uint8_t *data, vshare *sh)
{
    if (sh && --sh->refs > 0)
        return;
    if (sh && sh->live)
        *sh->live -= sh->bytes;
    free(sh);
    free(data);
}

void lesson_value_free(value *v)
{
    if (!v)
        return;
    lesson_data_release(v->data, v->sh);
    if (v->a) {
        lesson_value_free(v->a);
        free(v->a);
    }
    if (v->b) {
        lesson_value_free(v->b);
        free(v->b);
    }
    if (v->items) {
        for (size_t k = 0; k < v->len; k++)
            lesson_value_free(&v->items[k]);
        free(v->items);
    }
    memset(v, 0, sizeof *v);
}

int lesson_value_copy(value *dst, const value *src)
{
    memset(dst, 0, sizeof *dst);
    dst->k = src->k;
    dst->i = src->i;
    dst->f = src->f;
    dst->len = src->len;
    if (src->k == V_BIG) {
        dst->data = malloc(src->len ? src->len : 1);
        if (!dst->data)
            return -ENOMEM;
        memcpy(dst->data, src->data, src->len);
    } else if (src->k == V_BYTEARRAY ||
               ((src->k == V_BYTES || src->k == V_STR) && src->len >= SHARE_MIN_BYTES)) {
        /* a bytearray is one object: every copy is the same buffer */
        if (!(dst->sh = lesson_value_share(src)))
            return -ENOMEM;
        dst->data = src->data;
    } else if (src->k == V_BYTES || src->k == V_STR) {
        dst->data = malloc(src->len ? src->len : 1);
        if (!dst->data)
            return -ENOMEM;
        if (src->len)
            memcpy(dst->data, src->data, src->len);
    }
    if (src->k == V_LIST) {
        dst->items = calloc(src->len ? src->len : 1, sizeof *dst->items);
        if (!dst->items) {
            dst->len = 0;
            return -ENOMEM;
        }
        for (size_t k = 0; k < src->len; k++)
            if (lesson_value_copy(&dst->items[k], &src->items[k])) {
                lesson_value_free(dst);
                return -ENOMEM;
            }
    }
    if (src->k == V_TUPLE || src->k == V_KEY) {
        dst->a = calloc(1, sizeof *dst->a);
        dst->b = calloc(1, sizeof *dst->b);
        if (!dst->a || !dst->b || lesson_value_copy(dst->a, src->a) ||
            lesson_value_copy(dst->b, src->b)) {
            lesson_value_free(dst);
            return -ENOMEM;
        }
    }
    return 0;
}

/* Allocates n bytes for a value or a receive buffer, counted against the
 * lesson's budget; *sh gets their holders (NULL for a short value, which
 * is not counted). NULL when the budget or the memory runs out: the
 * caller raises MemoryError, as Python does on the line that asks. */
uint8_t *lesson_budget_alloc(interp *in, size_t n, vshare **sh)
{
    *sh = NULL;
    if (n < SHARE_MIN_BYTES)
        return malloc(n ? n : 1);
    if (in->live_bytes > in->budget_bytes || n > in->budget_bytes - in->live_bytes)
        return NULL;
    uint8_t *d = malloc(n);
    vshare *h = calloc(1, sizeof *h);
    if (!d || !h) {
        free(d);
        free(h);
        return NULL;
    }
    h->refs = 1;
    h->bytes = n;
    h->live = &in->live_bytes;
    in->live_bytes += n;
    *sh = h;
    return d;
}

/* Shrinks a counted buffer to n bytes, giving the rest back. */
uint8_t *lesson_budget_shrink(uint8_t *d, vshare *sh, size_t n)
{
    uint8_t *small = realloc(d, n ? n : 1);
    if (small && sh) {
        *sh->live -= sh->bytes - n;
        sh->bytes = n;
    }
    return small ? small : d;
}

/* Python's repr() of a float: the shortest digits that read back as the
 * same double, in fixed notation for exponents -4..15, else scientific. */
static void repr_float(char *out, size_t outlen, double x)
{
    if (isnan(x)) {
        snprintf(out, outlen, "nan");
        return;
    }
    if (isinf(x)) {
        snprintf(out, outlen, "%sinf", x < 0 ? "-" : "");
        return;
    }
    char e[40];
    int prec;
    for (prec = 1; prec < 17; prec++) {
        snprintf(e, sizeof e, "%.*e", prec - 1, x);
        if (strtod(e, NULL) == x)
            break;
    }
    snprintf(e, sizeof e, "%.*e", prec - 1, x);
    /* e: [-]D[.DDD]e[+-]XX */
    char digits[24];
    int nd = 0;
    const char *c = e;
    bool neg = *c == '-';
    if (neg)
        c++;
    for (; *c && *c != 'e'; c++)
        if (*c >= '0' && *c <= '9' && nd < (int)sizeof digits - 1)
            digits[nd++] = *c;
    digits[nd] = '\0';
    int exp10 = *c == 'e' ? atoi(c + 1) : 0;
    while (nd > 1 && digits[nd - 1] == '0')
        digits[--nd] = '\0';
    size_t o = 0;
    char buf[64];
    if (neg)
        buf[o++] = '-';
    if (exp10 >= -4 && exp10 < 16) {
        if (exp10 < 0) {
            buf[o++] = '0';
            buf[o++] = '.';
            for (int k = -1; k > exp10; k--)
                buf[o++] = '0';
            for (int k = 0; k < nd; k++)
                buf[o++] = digits[k];
        } else {
            for (int k = 0; k <= exp10; k++)
                buf[o++] = k < nd ? digits[k] : '0';
            buf[o++] = '.';
            if (nd > exp10 + 1)
                for (int k = exp10 + 1; k < nd; k++)
                    buf[o++] = digits[k];
            else
                buf[o++] = '0';
        }
        buf[o] = '\0';
    } else {
        buf[o++] = digits[0];
        if (nd > 1) {
            buf[o++] = '.';
            for (int k = 1; k < nd; k++)
                buf[o++] = digits[k];
        }
        snprintf(buf + o, sizeof buf - o, "e%c%02d", exp10 < 0 ? '-' : '+',
                 exp10 < 0 ? -exp10 : exp10);
    }
    snprintf(out, outlen, "%s", buf);
}

void lesson_print_value(char *out, size_t outlen, const value *v, bool top)
{
    switch (v->k) {
    case V_FLOAT:
        repr_float(out, outlen, v->f);
        return;
    case V_NONE:
        snprintf(out, outlen, "None");
        return;
    case V_INT:
        snprintf(out, outlen, "%lld", (long long)v->i);
        return;
    case V_BIG:
        snprintf(out, outlen, "%s%.*s", v->i < 0 ? "-" : "", (int)v->len, (const char *)v->data);
        return;
    case V_BOOL:
        snprintf(out, outlen, "%s", v->i ? "True" : "False");
        return;
    case V_BYTES:
        base_repr(out, outlen, v->data, v->len, true, PRINT_REPR_MAX);
        return;
    case V_BYTEARRAY: {
        size_t o = (size_t)snprintf(out, outlen, "bytearray(");
        if (o < outlen) {
            base_repr(out + o, outlen - o, v->data, v->len, true, PRINT_REPR_MAX);
            o += strlen(out + o);
        }
        if (o < outlen)
            snprintf(out + o, outlen - o, ")");
        return;
    }
    case V_STR:
        if (top)
            snprintf(out, outlen, "%.*s", (int)(v->len > PRINT_REPR_MAX ? PRINT_REPR_MAX : v->len),
                     (const char *)v->data);
        else
            base_repr(out, outlen, v->data, v->len, false, PRINT_REPR_MAX);
        return;
    case V_TUPLE: {
        char a[256], b[256];
        lesson_print_value(a, sizeof a, v->a, false);
        lesson_print_value(b, sizeof b, v->b, false);
        snprintf(out, outlen, "(%s, %s)", a, b);
        return;
    }
    case V_SOCK:
        snprintf(out, outlen, "<socket.socket>");
        return;
    case V_LIST: {
        /* [a, b], (a, b, c), (a,) */
        size_t o = (size_t)snprintf(out, outlen, "%s", v->i ? "(" : "[");
        for (size_t k = 0; k < v->len && o < outlen; k++) {
            char one[256];
            lesson_print_value(one, sizeof one, &v->items[k], false);
            o += (size_t)snprintf(out + o, outlen - o, "%s%s", k ? ", " : "", one);
        }
        if (o < outlen)
            snprintf(out + o, outlen - o, "%s", v->i ? (v->len == 1 ? ",)" : ")") : "]");
        return;
    }
    case V_SELECTOR:
        snprintf(out, outlen, "<selectors.EpollSelector object>");
        return;
    case V_KEY: {
        char d[256];
        lesson_print_value(d, sizeof d, v->b, false);
        snprintf(out, outlen, "SelectorKey(fileobj=<socket.socket>, events=%d, data=%s)", (int)v->i,
                 d);
        return;
    }
    case V_WRITER:
        snprintf(out, outlen, "<_io.BufferedWriter name=%d>", (int)v->i);
        return;
    case V_FILE:
    case V_READER:
        snprintf(out, outlen, "<_io.BufferedReader>");
        return;
    case V_STATE:
        snprintf(out, outlen, "%s",
                 v->len ? "FIN_WAIT" : lesson_tcp_state_name((lesson_tcp_state)v->i));
        return;
    case V_EXC:
        snprintf(out, outlen, "%s", lesson_exc_name((lesson_exc)v->i));
        return;
    }
}

bool lesson_truthy(const value *v)
{
    switch (v->k) {
    case V_NONE:
        return false;
    case V_INT:
    case V_BOOL:
        return v->i != 0;
    case V_FLOAT:
        return v->f != 0;
    case V_BYTES:
    case V_STR:
    case V_BYTEARRAY:
        return v->len != 0;
    default:
        return true;
    }
}

static int cmp_i64(int64_t a, int64_t b)
{
    return a < b ? -1 : (a > b);
}

static int cmp_f64(double a, double b)
{
    return a < b ? -1 : (a > b);
}

/* Compares a number (int or float) with an expectation's number. */
static int cmp_num(bool af, int64_t ai, double ad, bool bf, int64_t bi, double bd)
{
    if (!af && !bf)
        return cmp_i64(ai, bi);
    return cmp_f64(af ? ad : (double)ai, bf ? bd : (double)bi);
}

static bool op_holds(lesson_op op, int c)
{
    switch (op) {
    case LO_EQ:
        return c == 0;
    case LO_NE:
        return c != 0;
    case LO_LT:
        return c < 0;
    case LO_LE:
        return c <= 0;
    case LO_GT:
        return c > 0;
    case LO_GE:
        return c >= 0;
    }
    return false;
}

/* A value as an expectation's "got" shows it: long bytes or str as their
 * length and first bytes ("204800 bytes b'\\x00\\x01...'"). */
void lesson_got_value(char *out, size_t outlen, const value *v)
{
    if ((v->k == V_BYTES || v->k == V_STR) && v->len > GOT_SHORT_BYTES) {
        char head[96];
        base_repr(head, sizeof head, v->data, v->len, v->k == V_BYTES, GOT_SHORT_BYTES);
        snprintf(out, outlen, "%zu %s %s", v->len, v->k == V_BYTES ? "bytes" : "chars", head);
        return;
    }
    if (v->k == V_BYTEARRAY && v->len > GOT_SHORT_BYTES) { /* as its bytes, named */
        char head[96];
        base_repr(head, sizeof head, v->data, v->len, true, GOT_SHORT_BYTES);
        snprintf(out, outlen, "bytearray(%zu bytes %s)", v->len, head);
        return;
    }
    lesson_print_value(out, outlen, v, false);
    if (strlen(out) > GOT_MAX)
        snprintf(out + GOT_MAX - 3, outlen - GOT_MAX + 3, "...");
}

static bool is_number(const value *v)
{
    return v->k == V_INT || v->k == V_BOOL || v->k == V_FLOAT || v->k == V_BIG;
}

/* ---- ints past 64 bits: sign and decimal digits ---- */

/* An int (V_INT, V_BOOL or V_BIG) as its sign and the decimal digits of
 * its magnitude: *digits points into v or into buf (24 bytes). */
static size_t int_digits(const value *v, char *buf, const char **digits, int *sign)
{
    if (v->k == V_BIG) {
        *digits = (const char *)v->data;
        *sign = v->i < 0 ? -1 : 1;
        return v->len;
    }
    uint64_t m = v->i < 0 ? (uint64_t)0 - (uint64_t)v->i : (uint64_t)v->i;
    *sign = v->i < 0 ? -1 : 1;
    *digits = buf;
    return (size_t)snprintf(buf, 24, "%llu", (unsigned long long)m);
}

/* Compares two magnitudes given as decimal digits without leading zeros. */
static int cmp_mag(const char *a, size_t al, const char *b, size_t bl)
{
    if (al != bl)
        return al < bl ? -1 : 1;
    int c = memcmp(a, b, al);
    return c < 0 ? -1 : (c > 0);
}

/* Compares numbers one of which is V_BIG: exactly with an int, by value
 * as a double with a float. */
static int cmp_big(const value *a, const value *b)
{
    if (a->k == V_FLOAT || b->k == V_FLOAT) {
        const value *big = a->k == V_FLOAT ? b : a;
        char num[LESSON_MAX_INT_DIGITS + 2];
        snprintf(num, sizeof num, "%s%.*s", big->i < 0 ? "-" : "", (int)big->len,
                 (const char *)big->data);
        double d = strtod(num, NULL);
        return a->k == V_FLOAT ? cmp_f64(a->f, d) : cmp_f64(d, b->f);
    }
    char ab[24], bb[24];
    const char *ad, *bd;
    int as, bs;
    size_t al = int_digits(a, ab, &ad, &as), bl = int_digits(b, bb, &bd, &bs);
    bool az = al == 1 && ad[0] == '0', bz = bl == 1 && bd[0] == '0';
    if (az)
        as = 0;
    if (bz)
        bs = 0;
    if (as != bs)
        return as < bs ? -1 : 1;
    int c = cmp_mag(ad, al, bd, bl);
    return as < 0 ? -c : c;
}

int lesson_int_of_digits(value *out, const char *digits, size_t n, int sign)
{
    memset(out, 0, sizeof *out);
    while (n > 1 && digits[0] == '0') {
        digits++;
        n--;
    }
    /* INT64_MIN's magnitude is one past INT64_MAX's */
    static const char max[] = "9223372036854775807", min[] = "9223372036854775808";
    if (n < 19 || (n == 19 && cmp_mag(digits, n, sign < 0 ? min : max, 19) <= 0)) {
        uint64_t m = 0;
        for (size_t k = 0; k < n; k++)
            m = m * 10 + (uint64_t)(digits[k] - '0');
        out->k = V_INT;
        out->i = sign < 0 ? (int64_t)(0 - m) : (int64_t)m;
        return 0;
    }
    out->k = V_BIG;
    out->i = sign < 0 ? -1 : 1;
    out->data = malloc(n);
    if (!out->data)
        return -ENOMEM;
    memcpy(out->data, digits, n);
    out->len = n;
    return 0;
}

int lesson_int_sub(const value *x, const value *y, value *out)
{
    char xb[24], yb[24];
    const char *xd, *yd;
    int xs, ys;
    size_t xl = int_digits(x, xb, &xd, &xs), yl = int_digits(y, yb, &yd, &ys);
    ys = -ys; /* x - y = x + (-y) */
    size_t n = (xl > yl ? xl : yl) + 1;
    char *r = malloc(n);
    if (!r)
        return -ENOMEM;
    int sign = xs;
    if (xs == ys) { /* magnitudes add */
        int carry = 0;
        for (size_t k = 0; k < n; k++) {
            int d =
                carry + (k < xl ? xd[xl - 1 - k] - '0' : 0) + (k < yl ? yd[yl - 1 - k] - '0' : 0);
            r[n - 1 - k] = (char)('0' + d % 10);
            carry = d / 10;
        }
    } else { /* the larger magnitude minus the smaller, with its sign */
        const char *bd = xd, *sd = yd;
        size_t bl = xl, sl = yl;
        if (cmp_mag(xd, xl, yd, yl) < 0) {
            bd = yd, sd = xd, bl = yl, sl = xl;
            sign = ys;
        }
        int borrow = 0;
        for (size_t k = 0; k < n; k++) {
            int d =
                (k < bl ? bd[bl - 1 - k] - '0' : 0) - (k < sl ? sd[sl - 1 - k] - '0' : 0) - borrow;
            borrow = d < 0;
            r[n - 1 - k] = (char)('0' + (d + 10) % 10);
        }
    }
    int rc = lesson_int_of_digits(out, r, n, sign);
    free(r);
    return rc;
}

/* The one comparison of two values for an expectation, with Python's
 * meaning where Python has one: numbers by value (int, bool and float
 * alike), bytes with bytes and str with str by their bytes, None and
 * exceptions and states by identity (FIN_WAIT matches either FIN_WAIT
 * state), and values of different kinds are unequal. An order between
 * values that have none (None, states, exceptions, different kinds) does
 * not hold. */
bool lesson_value_compare(const value *a, lesson_op op, const value *b)
{
    bool ordered = op != LO_EQ && op != LO_NE;
    int c;
    if (is_number(a) && is_number(b) && (a->k == V_BIG || b->k == V_BIG)) {
        c = cmp_big(a, b);
    } else if (is_number(a) && is_number(b)) {
        c = cmp_num(a->k == V_FLOAT, a->i, a->f, b->k == V_FLOAT, b->i, b->f);
    } else if (((a->k == V_BYTES || a->k == V_BYTEARRAY) &&
                (b->k == V_BYTES || b->k == V_BYTEARRAY)) ||
               (a->k == V_STR && b->k == V_STR)) {
        size_t n = a->len < b->len ? a->len : b->len;
        c = n ? memcmp(a->data, b->data, n) : 0;
        c = c ? (c < 0 ? -1 : 1) : cmp_i64((int64_t)a->len, (int64_t)b->len);
    } else if (ordered) {
        return false;
    } else if (a->k == V_STATE && b->k == V_STATE) {
        bool fin_a = a->i == LESSON_TCP_FIN_WAIT1 || a->i == LESSON_TCP_FIN_WAIT2;
        bool fin_b = b->i == LESSON_TCP_FIN_WAIT1 || b->i == LESSON_TCP_FIN_WAIT2;
        c = a->i == b->i || ((a->len || b->len) && fin_a && fin_b) ? 0 : 1;
    } else if (a->k == b->k && (a->k == V_NONE || a->k == V_EXC)) {
        c = a->i == b->i ? 0 : 1;
    } else if (a->k == V_LIST && b->k == V_LIST) {
        c = a->i == b->i && a->len == b->len ? 0 : 1;
        for (size_t k = 0; c == 0 && k < a->len; k++)
            c = lesson_value_compare(&a->items[k], LO_EQ, &b->items[k]) ? 0 : 1;
    } else if (a->k == V_SOCK && b->k == V_SOCK) {
        c = a->i == b->i ? 0 : 1; /* the same socket object */
    } else {
        c = 1; /* different kinds: never equal */
    }
    return op_holds(op, c);
}
