/* viz_wrap.c: line breaking of prose (see viz_wrap.h). Greedy: each line
 * takes as many characters as fit (a binary search over the width
 * measure), then backs off to the last place it may end; a paragraph's
 * short last line then takes characters from the line before. The rules
 * are those of JIS X 4051 that matter for the lessons' narration, in a
 * simple form: lists of characters that may not start or end a line,
 * numbers kept with their units, no break inside a Latin word.
 */
#include "viz_wrap.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

uint32_t viz_utf8_next(const char *s, int len, int *n)
{
    const unsigned char *u = (const unsigned char *)s;
    uint32_t cp;
    int need;
    if (u[0] < 0x80) {
        *n = 1;
        return u[0];
    }
    if ((u[0] & 0xe0) == 0xc0) {
        cp = u[0] & 0x1f;
        need = 1;
    } else if ((u[0] & 0xf0) == 0xe0) {
        cp = u[0] & 0x0f;
        need = 2;
    } else if ((u[0] & 0xf8) == 0xf0) {
        cp = u[0] & 0x07;
        need = 3;
    } else {
        *n = 1;
        return 0xfffd;
    }
    if (need >= len) {
        *n = 1;
        return 0xfffd;
    }
    for (int i = 1; i <= need; i++) {
        if ((u[i] & 0xc0) != 0x80) {
            *n = 1;
            return 0xfffd;
        }
        cp = (cp << 6) | (u[i] & 0x3f);
    }
    *n = need + 1;
    return cp;
}

static bool in_set(uint32_t cp, const uint32_t *set, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (set[i] == cp)
            return true;
    return false;
}

static bool is_cjk(uint32_t cp)
{
    return (cp >= 0x2e80 && cp <= 0x9fff) || (cp >= 0xf900 && cp <= 0xfaff) ||
           (cp >= 0xff00 && cp <= 0xffef);
}

/* Characters a line must not start with: closing brackets and quotes,
 * punctuation, small kana, iteration and prolonged sound marks. */
static bool no_line_start(uint32_t cp)
{
    static const uint32_t set[] = {
        0x3001, 0x3002, 0xff0c, 0xff0e, 0x30fb, 0xff1a, 0xff1b, 0xff1f, 0xff01, /* 、。，．・：；？！ */
        0x300d, 0x300f, 0xff09, 0x3011, 0x3009, 0x300b, 0x3015, 0xff3d, 0xff5d, /* 」』）】〉》〕］｝ */
        0x3017, 0x3019, 0x201d, 0x2019, 0x2026, 0x2025, 0x301c, 0xff5e,         /* 〗〙”’…‥〜～ */
        0x30fc, 0x309d, 0x309e, 0x30fd, 0x30fe, 0x3005, 0x309b, 0x309c,         /* ーゝゞヽヾ々゛゜ */
        0x3041, 0x3043, 0x3045, 0x3047, 0x3049, 0x3063, 0x3083, 0x3085, 0x3087, /* ぁぃぅぇぉっゃゅょ */
        0x308e, 0x3095, 0x3096,                                                 /* ゎゕゖ */
        0x30a1, 0x30a3, 0x30a5, 0x30a7, 0x30a9, 0x30c3, 0x30e3, 0x30e5, 0x30e7, /* ァィゥェォッャュョ */
        0x30ee, 0x30f5, 0x30f6,                                                 /* ヮヵヶ */
        ')', ']', '}', ',', '.', ':', ';', '!', '?', '%'};
    return in_set(cp, set, sizeof set / sizeof set[0]);
}

/* Characters a line must not end with: opening brackets and quotes. */
static bool no_line_end(uint32_t cp)
{
    static const uint32_t set[] = {0x300c, 0x300e, 0xff08, 0x3010, 0x3008, 0x300a, 0x3014,
                                   0xff3b, 0xff5b, 0x3016, 0x3018, 0x201c, 0x2018, '(',
                                   '[',    '{'};
    return in_set(cp, set, sizeof set / sizeof set[0]);
}

static bool is_digit(uint32_t cp)
{
    return (cp >= '0' && cp <= '9') || (cp >= 0xff10 && cp <= 0xff19);
}

static bool is_ascii_alnum(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The length of the unit a number must stay with starting at s[i..len),
 * or 0. Latin units must end there ("s" of "2 s" is one, of "2 sockets"
 * not). */
static int unit_at(const char *s, int len, int i)
{
    static const char *latin[] = {"B",  "KiB", "MiB", "GiB", "KB",    "MB",   "GB", "kB",
                                  "ms", "us",  "ns",  "s",   "bytes", "byte", "%",  "\xc2\xb5s"};
    static const char *ja[] = {"バイト", "キロバイト", "ミリ秒", "マイクロ秒", "秒", "件",
                               "個",     "回",         "倍",     "本",         "行", "文字",
                               "ステップ", "番",       "台",     "分",         "％", "つ"};
    for (size_t k = 0; k < sizeof latin / sizeof latin[0]; k++) {
        int n = (int)strlen(latin[k]);
        if (n <= len - i && !memcmp(s + i, latin[k], (size_t)n) &&
            (i + n == len || !is_ascii_alnum(s[i + n])))
            return n;
    }
    int best = 0; /* the longest: キロバイト, not only its バイト */
    for (size_t k = 0; k < sizeof ja / sizeof ja[0]; k++) {
        int n = (int)strlen(ja[k]);
        if (n <= len - i && n > best && !memcmp(s + i, ja[k], (size_t)n))
            best = n;
    }
    return best;
}

/* Is b inside a unit that follows a number ("4096 バイ|ト")? */
static bool inside_unit(const char *s, int len, int b)
{
    for (int u = b - 1; u >= 0 && u >= b - 16; u--) {
        if (((unsigned char)s[u] & 0xc0) == 0x80)
            continue;
        int n = unit_at(s, len, u);
        if (n == 0 || u + n <= b)
            continue;
        int d = u;
        if (d > 0 && s[d - 1] == ' ')
            d--;
        if (d > 0) {
            int cl, di = d - 1;
            while (di > 0 && ((unsigned char)s[di] & 0xc0) == 0x80)
                di--;
            if (is_digit(viz_utf8_next(s + di, d - di, &cl)))
                return true;
        }
    }
    return false;
}

/* Start of the character that ends at b (b > 0). */
static int char_before(const char *s, int b)
{
    int i = b - 1;
    while (i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80)
        i--;
    return i;
}

static int char_after(const char *s, int len, int i)
{
    int n;
    viz_utf8_next(s + i, len - i, &n);
    return i + n;
}

/* May a line end at b, right after a character that is no space, the
 * next line starting at the first character after the spaces from b?
 * The text is s[0..len). */
static bool break_allowed(const char *s, int len, int b)
{
    int n;
    int ai = char_before(s, b);
    uint32_t a = viz_utf8_next(s + ai, b - ai, &n);
    int ci = b;
    while (ci < len && s[ci] == ' ')
        ci++;
    if (ci >= len)
        return true;
    uint32_t c = viz_utf8_next(s + ci, len - ci, &n);
    if (no_line_start(c) || no_line_end(a))
        return false;
    if (is_digit(a) && (unit_at(s, len, ci) || is_digit(c)))
        return false;
    if (ci == b && inside_unit(s, len, b))
        return false;
    if (ci > b)
        return true; /* at a space */
    return is_cjk(a) || is_cjk(c);
}

static bool is_katakana(uint32_t cp)
{
    return (cp >= 0x30a1 && cp <= 0x30fa) || cp == 0x30fc;
}

static bool is_hiragana(uint32_t cp)
{
    return cp >= 0x3041 && cp <= 0x309f;
}

static bool is_kanji(uint32_t cp)
{
    return (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) || cp == 0x3005;
}

/* Japanese punctuation that ends a phrase: 、。，．？！ and closing brackets. */
static bool ends_phrase(uint32_t cp)
{
    static const uint32_t set[] = {0x3001, 0x3002, 0xff0c, 0xff0e, 0xff1f, 0xff01, 0x300d,
                                   0x300f, 0xff09, 0x3011, 0x3009, 0x300b, 0x3015, 0xff3d};
    return in_set(cp, set, sizeof set / sizeof set[0]);
}

/* Is an allowed break at b also between words? At a space, after a
 * phrase's punctuation or the particle を, before an opening bracket, or
 * where a word starts after kana: hiragana (a particle, an ending) followed by a kanji, a
 * katakana or a Latin word ("データを|送る", "まとめて|送る", "未ACK を|").
 * Not inside a katakana run ("ルー|プバック"), a kanji compound ("管|理"),
 * a hiragana run ("ま|とめて"), or between a kanji and the Latin word it
 * qualifies ("未|ACK"). */
static bool word_break(const char *s, int len, int b)
{
    int n;
    int ai = char_before(s, b);
    uint32_t a = viz_utf8_next(s + ai, b - ai, &n);
    if (b >= len || s[b] == ' ' || s[b - 1] == ' ')
        return true;
    uint32_t c = viz_utf8_next(s + b, len - b, &n);
    /* を is only ever a particle, ・ separates words: a word starts after either */
    if (ends_phrase(a) || no_line_end(c) || (!is_cjk(a) && !is_cjk(c)) || a == 0x3092 ||
        a == 0x30fb)
        return true;
    return is_hiragana(a) && (is_kanji(c) || is_katakana(c) || c < 0x80);
}

/* Characters in s[a..b), spaces not counted. */
static int char_count(const char *s, int a, int b)
{
    int count = 0;
    for (int i = a; i < b; i = char_after(s, b, i))
        count += s[i] != ' ';
    return count;
}

enum { WORD_FILL = 60 }; /* percent of the width a line keeps to move a word whole */

typedef struct {
    const char *s;
    int max_w;
    viz_wrap_width_fn width;
    void *ud;
    int *starts, *lens, max, n;
} wrapper;

/* s[a..b) without its trailing spaces. */
static int trim_end(const char *s, int a, int b)
{
    while (b > a && s[b - 1] == ' ')
        b--;
    return b;
}

static bool fits(const wrapper *w, int a, int b)
{
    b = trim_end(w->s, a, b);
    return b <= a || w->width(w->ud, w->s + a, b - a) <= w->max_w;
}

static void emit(wrapper *w, int a, int b)
{
    w->starts[w->n] = a;
    w->lens[w->n] = trim_end(w->s, a, b) - a;
    w->n++;
}

/* The last character boundary e in (a, stop] with s[a..e) fitting, or a
 * when not even the first character fits. */
static int fit_end(const wrapper *w, int a, int stop)
{
    int lo = a, hi = stop; /* s[a..lo) fits; s[a..hi) does not */
    for (;;) {
        int next = char_after(w->s, stop, lo);
        if (next >= hi)
            return lo;
        int mid = lo + (hi - lo) / 2;
        while (mid < hi && ((unsigned char)w->s[mid] & 0xc0) == 0x80)
            mid++;
        if (mid <= lo)
            mid = next;
        if (mid >= hi)
            return lo;
        if (fits(w, a, mid))
            lo = mid;
        else
            hi = mid;
    }
}

/* A paragraph's last line holds fewer than VIZ_WRAP_MIN_TAIL_CHARS: move
 * the break of the line before back to the latest place that gives it
 * enough, if the longer last line still fits and the line before keeps
 * as many. Line count and widths stay within the limits. */
static void fix_tail(wrapper *w, int stop)
{
    int li = w->n - 1, pi = w->n - 2;
    int ls = w->starts[li], le = ls + w->lens[li];
    int ps = w->starts[pi], pe = ps + w->lens[pi];
    int tail = char_count(w->s, ls, le);
    if (tail >= VIZ_WRAP_MIN_TAIL_CHARS)
        return;
    /* A whole Japanese word ("送る") is no orphan: cutting the word before
     * it would be worse. */
    int fn;
    bool ja_tail = is_cjk(viz_utf8_next(w->s + ls, le - ls, &fn));
    bool at_word = word_break(w->s, stop, pe);
    if (tail >= 2 && at_word && (ls == pe || ja_tail))
        return;
    for (int b = char_before(w->s, pe); b > ps; b = char_before(w->s, b)) {
        if (w->s[b - 1] == ' ' || !break_allowed(w->s, stop, b))
            continue;
        /* the lines end between words: no word is cut to feed the tail */
        if (at_word && !word_break(w->s, stop, b))
            continue;
        int t = b;
        while (t < le && w->s[t] == ' ')
            t++;
        if (!fits(w, t, le) || char_count(w->s, ps, b) < VIZ_WRAP_MIN_TAIL_CHARS)
            return;
        if (char_count(w->s, t, le) >= VIZ_WRAP_MIN_TAIL_CHARS) {
            w->lens[pi] = trim_end(w->s, ps, b) - ps;
            w->starts[li] = t;
            w->lens[li] = le - t;
            return;
        }
    }
}

/* Lines of the paragraph s[a..stop); false when max lines ran out. */
static bool wrap_para(wrapper *w, int a, int stop)
{
    const char *s = w->s;
    int pos = a, first = w->n;
    while (pos < stop && s[pos] == ' ')
        pos++;
    if (pos >= stop) { /* an empty paragraph is an empty line */
        if (w->n >= w->max)
            return false;
        emit(w, pos, pos);
        return true;
    }
    while (pos < stop) {
        if (w->n >= w->max)
            return false;
        if (fits(w, pos, stop)) {
            emit(w, pos, stop);
            break;
        }
        int fit = fit_end(w, pos, stop);
        if (fit == pos)
            fit = char_after(s, stop, pos); /* one character wider than the line */
        int brk = -1;
        for (int b = fit; b > pos; b = char_before(s, b))
            if (s[b - 1] != ' ' && break_allowed(s, stop, b)) {
                brk = b;
                break;
            }
        if (brk < 0)
            brk = fit; /* nowhere to break: cut where the line is full */
        else if (!word_break(s, stop, brk)) {
            /* A word (a katakana run, a kanji compound, kana, a Latin word
             * after a kanji) moves whole to the next line when the line
             * stays at least WORD_FILL percent full and the word then fits
             * whole on the next line (else it is cut either way, and the
             * move would only cost a line). */
            int word_end = char_after(s, stop, brk);
            while (word_end < stop &&
                   !(s[word_end - 1] != ' ' && break_allowed(s, stop, word_end) &&
                     word_break(s, stop, word_end)))
                word_end = char_after(s, stop, word_end);
            for (int b = char_before(s, brk); b > pos; b = char_before(s, b)) {
                if (s[b - 1] == ' ' || !break_allowed(s, stop, b) || !word_break(s, stop, b))
                    continue;
                if (w->width(w->ud, s + pos, trim_end(s, pos, b) - pos) * 100 >=
                        w->max_w * WORD_FILL &&
                    fits(w, b, word_end))
                    brk = b;
                break;
            }
        }
        emit(w, pos, brk);
        pos = brk;
        while (pos < stop && s[pos] == ' ')
            pos++;
    }
    if (w->n - first >= 2)
        fix_tail(w, stop);
    return true;
}

int viz_wrap_prose(const char *utf8, int len, int max_w_px, viz_wrap_width_fn width, void *ud,
                   int *starts, int *lens, int max)
{
    wrapper w = {utf8, max_w_px, width, ud, starts, lens, max, 0};
    int pos = 0;
    while (pos < len && w.n < max) {
        int stop = pos;
        while (stop < len && utf8[stop] != '\n')
            stop++;
        if (!wrap_para(&w, pos, stop))
            break;
        pos = stop + 1;
    }
    return w.n;
}

bool viz_wrap_cuts_word(const char *utf8, int len, const int *starts, const int *lens, int n)
{
    for (int i = 0; i < n; i++) {
        int e = starts[i] + lens[i], stop = e;
        if (lens[i] <= 0 || e >= len || utf8[e] == ' ' || utf8[e] == '\n')
            continue; /* the line ends at a space or the paragraph's end */
        while (stop < len && utf8[stop] != '\n')
            stop++;
        int cn, ai = char_before(utf8, e);
        uint32_t a = viz_utf8_next(utf8 + ai, e - ai, &cn);
        uint32_t c = viz_utf8_next(utf8 + e, len - e, &cn);
        if (!is_cjk(a) && !is_cjk(c) && !break_allowed(utf8, stop, e))
            return true;
        /* a Japanese word: a katakana run, a kanji compound, kana, a
         * Latin word after a kanji ("色の意|味", "カー|ネル") */
        if ((is_cjk(a) || is_cjk(c)) && !word_break(utf8, stop, e))
            return true;
    }
    return false;
}
