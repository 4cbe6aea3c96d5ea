/* viz_font.c: opened fonts per pixel size (found by viz_font_find(), in
 * viz_font_fc.c), and the texture cache that makes per-frame text free.
 * See viz_font.h.
 *
 * The cache is an open-addressing table keyed by a hash of (text, face,
 * size, colour); entries own a copy of their text to rule out collisions.
 * When the table fills up (a long session of changing numbers) it is
 * emptied at once: a cheap, rare hiccup instead of per-entry bookkeeping.
 */
#include "viz_font.h"
#include "viz_code.h"
#include "viz_wrap.h"

#include <SDL_ttf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
    CACHE_SLOTS = 2048, /* power of two */
    CACHE_LIMIT = 1536, /* entries before the table is emptied */
    MAX_FONTS = 40,     /* opened (face, size) pairs */
    WRAP_SLOTS = 192,   /* wrapped texts of a step and the next (code, narration) */
    TMP_LEN = 2048,     /* longest text measured or drawn at once */
};

typedef struct {
    uint64_t hash; /* 0: empty slot */
    char *text;    /* owned copy */
    int face;
    int size_px;
    uint32_t rgba;
    SDL_Texture *tex;
    int w, h;
} cache_entry;

typedef struct {
    int face;
    int size_px;
    TTF_Font *font;
    int ink_top;    /* Japanese faces: how far the probe glyphs reach above the baseline, px */
    int ink_bottom; /* and below it, px; both at most the font's ascent and descent */
} open_font;

typedef struct {
    uint64_t hash; /* 0: empty */
    int face, size_px, max_w_px, max;
    int indent_px; /* code wrap: continuation indent; -1: prose wrap */
    int n;
    int starts[VIZ_WRAP_MAX_LINES];
    int lens[VIZ_WRAP_MAX_LINES];
} wrap_entry;

struct viz_text {
    SDL_Renderer *r;
    char paths[VIZ_FACE_COUNT][1024];
    bool found[VIZ_FACE_COUNT];   /* paths[face] and index[face] are looked up */
    bool missing[VIZ_FACE_COUNT]; /* looked up, and no installed font fits */
    int index[VIZ_FACE_COUNT];    /* the face's index in its file (.ttc collections) */
    void *maps[VIZ_FACE_COUNT];   /* the font files, mapped: glyph loads cost no syscall */
    size_t map_len[VIZ_FACE_COUNT];
    open_font fonts[MAX_FONTS];
    int nfonts;
    int next_evict;
    cache_entry *slots; /* CACHE_SLOTS */
    size_t used;
    uint64_t misses;
    wrap_entry wraps[WRAP_SLOTS];
    int next_wrap;
    viz_text_hook hook; /* sees every text drawn (layout tests), or NULL */
    void *hook_ud;
    SDL_Rect box; /* the box the drawer means the text to stay in (w 0: none) */
    int view_dy;          /* added to y for the hook: a page of a taller scene */
    int view_y0, view_y1; /* the window rows the page shows (y1 0: all) */
};

/* ---- UTF-8 ---------------------------------------------------------- */

bool viz_text_needs_ja(const char *utf8)
{
    size_t len = strlen(utf8);
    for (size_t i = 0; i < len;) {
        int n;
        uint32_t cp = viz_utf8_next(utf8 + i, (int)(len - i), &n);
        /* Latin, Latin-1 and a few typographic marks the Latin fonts have. */
        if (cp >= 0x250 && !(cp >= 0x2010 && cp <= 0x2027) && cp != 0x2192 && cp != 0x2190 &&
            cp != 0x2260 && cp != 0x00b7)
            return true;
        i += (size_t)n;
    }
    return false;
}

/* ---- fonts ----------------------------------------------------------- */

static void ink_extent(open_font *of);
static bool find_face(viz_text *t, int face);

static TTF_Font *get_font(viz_text *t, int face, int size_px)
{
    if (size_px < 4)
        size_px = 4;
    for (int i = 0; i < t->nfonts; i++)
        if (t->fonts[i].face == face && t->fonts[i].size_px == size_px)
            return t->fonts[i].font;
    if (!find_face(t, face))
        return NULL;
    TTF_Font *f = NULL;
    if (t->maps[face]) {
        SDL_RWops *rw = SDL_RWFromConstMem(t->maps[face], (int)t->map_len[face]);
        if (rw)
            f = TTF_OpenFontIndexRW(rw, 1, size_px, t->index[face]);
    } else {
        f = TTF_OpenFontIndex(t->paths[face], size_px, t->index[face]);
    }
    /* Unhinted glyphs: as sharp at these sizes, and rasterised in half
     * the time, which is what the first frame of a step pays. */
    if (f)
        TTF_SetFontHinting(f, TTF_HINTING_NONE);
    if (!f)
        return NULL;
    int slot;
    if (t->nfonts < MAX_FONTS) {
        slot = t->nfonts++;
    } else {
        /* Cached textures outlive the font they came from, so evicting a
         * font costs nothing but a reopen if its size comes back. */
        slot = t->next_evict;
        t->next_evict = (t->next_evict + 1) % MAX_FONTS;
        TTF_CloseFont(t->fonts[slot].font);
    }
    t->fonts[slot] = (open_font){face, size_px, f, TTF_FontAscent(f), -TTF_FontDescent(f)};
    if (face == VIZ_FACE_JA || face == VIZ_FACE_JA_BOLD)
        ink_extent(&t->fonts[slot]);
    return f;
}

/* The line box a Japanese font needs. A CJK font's ascent and descent
 * leave room for its own Latin accents (Noto Sans CJK: 1.16 em up, 0.29
 * down), which it never draws here: its ASCII goes to the Latin font.
 * Sized by those metrics, a Japanese run would sit lower than its
 * neighbours and make the line taller than the Latin face's, so it is
 * sized by how far its kana, kanji and brackets really reach. */
static void ink_extent(open_font *of)
{
    static const uint32_t probe[] = {0x6f22, 0x3042, 0x3050, 0x30bd, 0x300c, 0x300d, 0x3088,
                                     0x5f85, 0x308a, 0xff08, 0xff09, 0x2026};
    int top = 0, bottom = 0;
    for (size_t i = 0; i < sizeof probe / sizeof probe[0]; i++) {
        int minx, maxx, miny, maxy, adv;
        if (TTF_GlyphMetrics32(of->font, probe[i], &minx, &maxx, &miny, &maxy, &adv) < 0)
            continue;
        if (maxy > top)
            top = maxy;
        if (-miny > bottom)
            bottom = -miny;
    }
    /* The metrics are the glyphs' outline boxes rounded outwards: the
     * antialiased edge is inside. Never more than the font's own. */
    if (top > 0 && top < of->ink_top)
        of->ink_top = top;
    if (bottom > 0 && bottom < of->ink_bottom)
        of->ink_bottom = bottom;
}

/* The open_font of f (opened by get_font). */
static const open_font *font_info(const viz_text *t, const TTF_Font *f)
{
    for (int i = 0; i < t->nfonts; i++)
        if (t->fonts[i].font == f)
            return &t->fonts[i];
    return NULL;
}

/* Maps a face's file; on failure the face is opened by path instead. */
static void map_font(viz_text *t, int face)
{
    int fd = open(t->paths[face], O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    struct stat st;
    if (fstat(fd, &st) == 0 && st.st_size > 0 && st.st_size < (1 << 30)) {
        void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p != MAP_FAILED) {
            t->maps[face] = p;
            t->map_len[face] = (size_t)st.st_size;
        }
    }
    close(fd);
}

/* Looks up a face's file (once) and maps it. The Latin faces are looked
 * up by viz_text_new(); the Japanese ones here, when Japanese text is
 * first measured or drawn (or viz_text_open_face()): an English window
 * never opens the bold CJK collection (about 2 ms of its start-up,
 * bench_startup). False, said once on stderr, when no installed font
 * fits: the Latin font then draws that text (fonts_of). */
static bool find_face(viz_text *t, int face)
{
    if (t->found[face])
        return !t->missing[face];
    t->found[face] = true;
    if (viz_font_find_index((viz_face)face, t->paths[face], sizeof t->paths[face],
                            &t->index[face]) < 0) {
        /* No bold Japanese font: bold titles draw their Japanese in the
         * regular one. */
        if (face != VIZ_FACE_JA_BOLD || !find_face(t, VIZ_FACE_JA)) {
            t->missing[face] = true;
            if (face == VIZ_FACE_JA) /* said once: the bold face falls back to it */
                fprintf(stderr, "sockbuf: %s\n", viz_font_missing((viz_face)face));
            return false;
        }
        memcpy(t->paths[face], t->paths[VIZ_FACE_JA], sizeof t->paths[face]);
        t->index[face] = t->index[VIZ_FACE_JA];
    }
    map_font(t, face);
    return true;
}

/* A resolved face: VIZ_FACE_* alone draws the whole string in that font;
 * with FACE_MIXED the string is drawn by runs, its printable ASCII
 * (U+0020..U+007E) in the Latin face below the flag and everything else
 * in VIZ_FACE_JA, as text engines fall back font by font. The Japanese
 * font draws ASCII in JIS-heritage glyphs (' as a curly quote, a backslash as a
 * yen sign), so it never gets any. */
enum { FACE_MIXED = 0x100 };

static int resolve_face(viz_face face, const char *utf8)
{
    if (face == VIZ_FACE_JA)
        return VIZ_FACE_SANS | FACE_MIXED;
    if (face == VIZ_FACE_JA_BOLD)
        return VIZ_FACE_BOLD | FACE_MIXED;
    if (viz_text_needs_ja(utf8))
        return (int)face | FACE_MIXED;
    return (int)face;
}

/* The fonts of a resolved face at one size. */
typedef struct {
    TTF_Font *latin; /* the whole string, or its ASCII runs when ja is set */
    TTF_Font *ja;    /* the non-ASCII runs; NULL for a single-font face */
    int ascent;      /* baseline from the top of the line, in pixels */
    int ja_top;      /* where the ja run's glyphs reach above the baseline (ink_extent), px */
    int height;      /* line box holding both fonts on that baseline, in pixels */
} face_fonts;

/* Opens the fonts of resolved face rf at size_px. Returns false when one
 * cannot be opened. */
static bool fonts_of(viz_text *t, int rf, int size_px, face_fonts *ff)
{
    int base = rf & ~FACE_MIXED;
    memset(ff, 0, sizeof *ff);
    ff->latin = get_font(t, base, size_px);
    if (!ff->latin)
        return false;
    int jface = base == VIZ_FACE_BOLD ? VIZ_FACE_JA_BOLD : VIZ_FACE_JA;
    /* No Japanese font installed: the Latin font draws the whole string
     * (its Japanese as boxes), rather than nothing. */
    if ((rf & FACE_MIXED) && find_face(t, jface)) {
        ff->ja = get_font(t, jface, size_px);
        /* Opening the second font may have evicted the first; reopening
         * it evicts a slot after the second, so both stay open. */
        ff->latin = get_font(t, base, size_px);
        if (!ff->ja || !ff->latin)
            return false;
    }
    ff->ascent = TTF_FontAscent(ff->latin);
    ff->height = TTF_FontHeight(ff->latin);
    if (ff->ja) {
        const open_font *jf = font_info(t, ff->ja);
        int la = TTF_FontAscent(ff->latin);
        int ja = jf ? jf->ink_top : TTF_FontAscent(ff->ja);
        int jd = jf ? jf->ink_bottom : -TTF_FontDescent(ff->ja);
        ff->ja_top = ja;
        ff->ascent = la > ja ? la : ja;
        int lb = ff->ascent - la + TTF_FontHeight(ff->latin);
        int jb = ff->ascent + jd;
        ff->height = lb > jb ? lb : jb;
    }
    return true;
}

/* Ends the run starting at s[i] (ASCII or not) and returns its end. */
static int run_end(const char *s, int len, int i, bool *ascii)
{
    *ascii = s[i] >= 0x20 && s[i] <= 0x7e;
    int e = i + 1;
    while (e < len && (s[e] >= 0x20 && s[e] <= 0x7e) == *ascii)
        e++;
    return e;
}

/* Copies utf8 into buf (TMP_LEN bytes), cut on a character boundary;
 * returns the length. */
static int copy_text(char *buf, const char *utf8)
{
    size_t n = strlen(utf8);
    if (n > TMP_LEN - 1) {
        n = TMP_LEN - 1;
        while (n > 0 && ((unsigned char)utf8[n] & 0xc0) == 0x80)
            n--;
    }
    memcpy(buf, utf8, n);
    buf[n] = 0;
    return (int)n;
}

/* Width and height of utf8 drawn in ff, as text_render() draws it. */
static int text_size(const face_fonts *ff, const char *utf8, int *w, int *h)
{
    *w = 0;
    *h = ff->height;
    if (!*utf8)
        return 0;
    if (!ff->ja)
        return TTF_SizeUTF8(ff->latin, utf8, w, h) < 0 ? -1 : 0;
    char buf[TMP_LEN];
    int len = copy_text(buf, utf8);
    for (int i = 0; i < len;) {
        bool ascii;
        int e = run_end(buf, len, i, &ascii);
        char keep = buf[e];
        buf[e] = 0;
        int rw = 0;
        int rc = TTF_SizeUTF8(ascii ? ff->latin : ff->ja, buf + i, &rw, NULL);
        buf[e] = keep;
        if (rc < 0)
            return -1;
        *w += rw;
        i = e;
    }
    return 0;
}

/* Renders utf8 in ff onto a new ARGB surface (the caller frees it); the
 * runs sit side by side on one baseline. NULL when rendering failed. */
static SDL_Surface *text_render(const face_fonts *ff, const char *utf8, SDL_Color c)
{
    if (!ff->ja)
        return TTF_RenderUTF8_Blended(ff->latin, utf8, c);
    int w = 0, h = 0;
    if (text_size(ff, utf8, &w, &h) < 0 || w <= 0)
        return NULL;
    SDL_Surface *dst = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!dst)
        return NULL;
    /* Transparent pixels of the text's colour, as SDL_ttf leaves them. */
    SDL_FillRect(dst, NULL, SDL_MapRGBA(dst->format, c.r, c.g, c.b, 0));
    char buf[TMP_LEN];
    int len = copy_text(buf, utf8);
    int x = 0;
    for (int i = 0; i < len;) {
        bool ascii;
        int e = run_end(buf, len, i, &ascii);
        TTF_Font *f = ascii ? ff->latin : ff->ja;
        char keep = buf[e];
        buf[e] = 0;
        int rw = 0;
        SDL_Surface *run = NULL;
        if (TTF_SizeUTF8(f, buf + i, &rw, NULL) == 0 && rw > 0)
            run = TTF_RenderUTF8_Blended(f, buf + i, c);
        buf[e] = keep;
        if (run) {
            /* Blending onto the transparent fill keeps the run's alpha
             * and lets a glyph overhanging its neighbour compose. */
            SDL_SetSurfaceBlendMode(run, SDL_BLENDMODE_BLEND);
            SDL_Rect at = {x, ff->ascent - TTF_FontAscent(f), run->w, run->h};
            SDL_BlitSurface(run, NULL, dst, &at);
            SDL_FreeSurface(run);
        }
        x += rw;
        i = e;
    }
    return dst;
}

viz_text *viz_text_new(SDL_Renderer *r, char *err, size_t errlen)
{
    viz_text *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, errlen, "viz_text_new: out of memory");
        return NULL;
    }
    t->r = r;
    t->slots = calloc(CACHE_SLOTS, sizeof *t->slots);
    if (!t->slots) {
        snprintf(err, errlen, "viz_text_new: out of memory");
        goto fail;
    }
    /* The Latin faces now (without them nothing can be drawn); the
     * Japanese ones when first needed (find_face). */
    for (int f = 0; f < VIZ_FACE_JA; f++) {
        if (!find_face(t, f)) {
            snprintf(err, errlen, "%s", viz_font_missing((viz_face)f));
            goto fail;
        }
        if (!get_font(t, f, 16)) {
            snprintf(err, errlen, "TTF_OpenFont(%s): %s", t->paths[f], TTF_GetError());
            goto fail;
        }
    }
    return t;
fail:
    viz_text_free(t);
    return NULL;
}

bool viz_text_open_face(viz_text *t, viz_face face)
{
    return get_font(t, (int)face, 16) != NULL;
}

void viz_text_set_renderer(viz_text *t, SDL_Renderer *r)
{
    t->r = r;
}

static void cache_clear(viz_text *t)
{
    for (int i = 0; i < CACHE_SLOTS; i++) {
        cache_entry *e = &t->slots[i];
        if (!e->hash)
            continue;
        if (e->tex)
            SDL_DestroyTexture(e->tex);
        free(e->text);
        memset(e, 0, sizeof *e);
    }
    t->used = 0;
}

void viz_text_free(viz_text *t)
{
    if (!t)
        return;
    if (t->slots) {
        cache_clear(t);
        free(t->slots);
    }
    for (int i = 0; i < t->nfonts; i++)
        TTF_CloseFont(t->fonts[i].font);
    for (int f = 0; f < VIZ_FACE_COUNT; f++)
        if (t->maps[f])
            munmap(t->maps[f], t->map_len[f]);
    free(t);
}

/* ---- the texture cache ----------------------------------------------- */

static uint64_t hash_key(const char *s, int face, int size_px, uint32_t rgba)
{
    uint64_t h = 1469598103934665603ull;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    h = (h ^ (uint64_t)face) * 1099511628211ull;
    h = (h ^ (uint64_t)size_px) * 1099511628211ull;
    h = (h ^ rgba) * 1099511628211ull;
    return h ? h : 1;
}

static uint32_t pack(SDL_Color c)
{
    return (uint32_t)c.r << 24 | (uint32_t)c.g << 16 | (uint32_t)c.b << 8 | c.a;
}

/* Returns the cached entry for the string, rendering it on a miss; NULL
 * when rendering failed or the string is empty. face is resolved. */
static cache_entry *lookup(viz_text *t, const char *utf8, int face, int size_px, SDL_Color c)
{
    if (!utf8 || !*utf8)
        return NULL;
    uint32_t rgba = pack(c);
    uint64_t h = hash_key(utf8, face, size_px, rgba);
    size_t i = (size_t)h & (CACHE_SLOTS - 1);
    for (;;) {
        cache_entry *e = &t->slots[i];
        if (!e->hash)
            break;
        if (e->hash == h && e->face == face && e->size_px == size_px && e->rgba == rgba &&
            !strcmp(e->text, utf8))
            return e;
        i = (i + 1) & (CACHE_SLOTS - 1);
    }
    /* A miss: render, then insert. */
    t->misses++;
    if (t->used >= CACHE_LIMIT) {
        cache_clear(t);
        i = (size_t)h & (CACHE_SLOTS - 1);
    }
    face_fonts ff;
    if (!fonts_of(t, face, size_px, &ff))
        return NULL;
    SDL_Surface *s = text_render(&ff, utf8, c);
    if (!s)
        return NULL;
    SDL_Texture *tex = SDL_CreateTextureFromSurface(t->r, s);
    int w = s->w, hh = s->h;
    SDL_FreeSurface(s);
    char *copy = strdup(utf8);
    if (!tex || !copy) {
        if (tex)
            SDL_DestroyTexture(tex);
        free(copy);
        return NULL;
    }
    while (t->slots[i].hash)
        i = (i + 1) & (CACHE_SLOTS - 1);
    cache_entry *e = &t->slots[i];
    *e = (cache_entry){h, copy, face, size_px, rgba, tex, w, hh};
    t->used++;
    return e;
}

static int draw_resolved(viz_text *t, const char *utf8, int face, int size_px, SDL_Color color,
                         int x, int y, viz_align align)
{
    cache_entry *e = lookup(t, utf8, face, size_px, color);
    if (!e)
        return 0;
    SDL_Rect dst = {x, y, e->w, e->h};
    if (align == VIZ_ALIGN_CENTER)
        dst.x -= e->w / 2;
    else if (align == VIZ_ALIGN_RIGHT)
        dst.x -= e->w;
    SDL_RenderCopy(t->r, e->tex, NULL, &dst);
    if (t->hook && t->view_y1 > 0) {
        /* a page of a taller scene: the hook sees window rows, and no
         * text wholly on another page */
        SDL_Rect d = dst, b = t->box;
        d.y += t->view_dy;
        b.y += t->view_dy;
        int lead = d.h / 5; /* the line's leading above and below its ink */
        if (d.y + lead < t->view_y1 && d.y + d.h - lead > t->view_y0)
            t->hook(t->hook_ud, &d, &b, utf8, size_px);
    } else if (t->hook) {
        t->hook(t->hook_ud, &dst, &t->box, utf8, size_px);
    }
    return e->w;
}

void viz_text_set_hook(viz_text *t, viz_text_hook fn, void *ud)
{
    t->hook = fn;
    t->hook_ud = ud;
}

void viz_text_set_box(viz_text *t, const SDL_Rect *box)
{
    t->box = box ? *box : (SDL_Rect){0, 0, 0, 0};
}

void viz_text_set_view(viz_text *t, int dy, int y0, int y1)
{
    t->view_dy = dy;
    t->view_y0 = y0;
    t->view_y1 = y1;
}

int viz_text_draw(viz_text *t, const char *utf8, viz_face face, int size_px, SDL_Color color, int x,
                  int y, viz_align align)
{
    if (!utf8 || !*utf8)
        return 0;
    return draw_resolved(t, utf8, resolve_face(face, utf8), size_px, color, x, y, align);
}

static int size_resolved(viz_text *t, const char *utf8, int face, int size_px, int *w, int *h)
{
    face_fonts ff;
    if (!fonts_of(t, face, size_px, &ff))
        return -1;
    int ww = 0, hh = 0;
    if (text_size(&ff, utf8, &ww, &hh) < 0)
        return -1;
    if (w)
        *w = ww;
    if (h)
        *h = hh;
    return 0;
}

int viz_text_size(viz_text *t, const char *utf8, viz_face face, int size_px, int *w, int *h)
{
    if (!utf8)
        utf8 = "";
    /* A cached texture already knows its size: no shaping on a hit. */
    int rf = resolve_face(face, utf8);
    return size_resolved(t, utf8, rf, size_px, w, h);
}

int viz_text_line_height(viz_text *t, viz_face face, int size_px)
{
    TTF_Font *f = get_font(t, (int)face, size_px);
    return f ? TTF_FontLineSkip(f) : size_px;
}

int viz_text_para_line_height(viz_text *t, viz_face face, int size_px)
{
    return viz_text_line_height(t, face, size_px) + size_px / 6;
}

const char *viz_text_ja_font_path(viz_text *t, viz_face face)
{
    int f = face == VIZ_FACE_BOLD || face == VIZ_FACE_JA_BOLD ? VIZ_FACE_JA_BOLD : VIZ_FACE_JA;
    find_face(t, f);
    return t->paths[f];
}

uint64_t viz_text_misses(const viz_text *t)
{
    return t->misses;
}

/* ---- wrapping -------------------------------------------------------- */

/* The width measure viz_wrap_prose() breaks lines with: s[0..len) in
 * the fonts of the resolved face. */
static int wrap_width(void *ud, const char *s, int len)
{
    const face_fonts *ff = ud;
    char tmp[TMP_LEN];
    if (len > TMP_LEN - 1)
        len = TMP_LEN - 1;
    memcpy(tmp, s, (size_t)len);
    tmp[len] = 0;
    int w = 0, h = 0;
    return text_size(ff, tmp, &w, &h) < 0 ? 0 : w;
}

/* Prose wrapping: the rules are viz_wrap.c's, the widths the fonts'. */
static int wrap_compute(viz_text *t, const char *s, int face, int size_px, int max_w, int *starts,
                        int *lens, int max)
{
    int len = (int)strlen(s);
    face_fonts ff;
    if (!fonts_of(t, face, size_px, &ff))
        return 0;
    if (len >= TMP_LEN)
        len = TMP_LEN - 1;
    return viz_wrap_prose(s, len, max_w, wrap_width, &ff, starts, lens, max);
}

/* Code wrapping: the rules are viz_code.c's, the widths the fonts'. */
static int wrap_code_compute(viz_text *t, const char *s, int face, int size_px, int max_w,
                             int indent_px, int *starts, int *lens, int max)
{
    face_fonts ff;
    int len = (int)strlen(s);
    if (len == 0 || !fonts_of(t, face, size_px, &ff))
        return 0;
    if (len >= TMP_LEN)
        len = TMP_LEN - 1;
    return viz_code_wrap(s, len, max_w, indent_px, wrap_width, &ff, starts, lens, max);
}

/* Looks up a wrap in the cache, computing it on a miss; indent_px < 0
 * wraps prose, else code with that continuation indent. */
static int wrap_cached(viz_text *t, const char *utf8, viz_face face, int size_px, int max_w_px,
                       int indent_px, int *starts, int *lens, int max)
{
    if (max > VIZ_WRAP_MAX_LINES)
        max = VIZ_WRAP_MAX_LINES;
    if (!utf8 || !*utf8 || max <= 0)
        return 0;
    int rf = resolve_face(face, utf8);
    uint64_t h = hash_key(utf8, rf, size_px,
                          (uint32_t)max_w_px ^ ((uint32_t)max << 24) ^ ((uint32_t)indent_px << 12));
    for (int i = 0; i < WRAP_SLOTS; i++) {
        wrap_entry *w = &t->wraps[i];
        if (w->hash == h && w->face == rf && w->size_px == size_px && w->max_w_px == max_w_px &&
            w->max == max && w->indent_px == indent_px) {
            memcpy(starts, w->starts, sizeof(int) * (size_t)w->n);
            memcpy(lens, w->lens, sizeof(int) * (size_t)w->n);
            return w->n;
        }
    }
    wrap_entry *w = &t->wraps[t->next_wrap];
    t->next_wrap = (t->next_wrap + 1) % WRAP_SLOTS;
    w->hash = h;
    w->face = rf;
    w->size_px = size_px;
    w->max_w_px = max_w_px;
    w->max = max;
    w->indent_px = indent_px;
    if (indent_px < 0)
        w->n = wrap_compute(t, utf8, rf, size_px, max_w_px, w->starts, w->lens, max);
    else
        w->n =
            wrap_code_compute(t, utf8, rf, size_px, max_w_px, indent_px, w->starts, w->lens, max);
    memcpy(starts, w->starts, sizeof(int) * (size_t)w->n);
    memcpy(lens, w->lens, sizeof(int) * (size_t)w->n);
    return w->n;
}

int viz_text_wrap(viz_text *t, const char *utf8, viz_face face, int size_px, int max_w_px,
                  int *starts, int *lens, int max)
{
    return wrap_cached(t, utf8, face, size_px, max_w_px, -1, starts, lens, max);
}

int viz_text_wrap_code(viz_text *t, const char *utf8, viz_face face, int size_px, int max_w_px,
                       int indent_px, int *starts, int *lens, int max)
{
    if (indent_px < 0)
        indent_px = 0;
    if (indent_px > max_w_px / 2)
        indent_px = max_w_px / 2;
    return wrap_cached(t, utf8, face, size_px, max_w_px, indent_px, starts, lens, max);
}

/* Draws (or, with draw false, only renders into the cache) the lines of
 * a wrapped paragraph; returns its height. */
static int wrapped_lines(viz_text *t, const char *utf8, viz_face face, int size_px, SDL_Color color,
                         int x, int y, int max_w_px, int max_lines, bool draw)
{
    int starts[VIZ_WRAP_MAX_LINES], lens[VIZ_WRAP_MAX_LINES];
    int n = viz_text_wrap(t, utf8, face, size_px, max_w_px, starts, lens, max_lines);
    int rf = resolve_face(face, utf8);
    /* Mixed lines keep the Japanese font's pitch, as the layout asks. */
    int lh = viz_text_para_line_height(t, rf & FACE_MIXED ? VIZ_FACE_JA : (viz_face)rf, size_px);
    size_t total = strlen(utf8);
    for (int i = 0; i < n; i++) {
        char tmp[TMP_LEN];
        int l = lens[i];
        if (l > TMP_LEN - 8)
            l = TMP_LEN - 8;
        memcpy(tmp, utf8 + starts[i], (size_t)l);
        tmp[l] = 0;
        /* The text goes on past the last line we may draw: say so. */
        if (i == n - 1 && (size_t)(starts[i] + lens[i]) < total) {
            size_t rest = (size_t)(starts[i] + lens[i]);
            while (rest < total && (utf8[rest] == ' ' || utf8[rest] == '\n'))
                rest++;
            if (rest < total)
                strcpy(tmp + l, "\xe2\x80\xa6");
        }
        if (draw)
            draw_resolved(t, tmp, rf, size_px, color, x, y + i * lh, VIZ_ALIGN_LEFT);
        else
            lookup(t, tmp, rf, size_px, color);
    }
    return n * lh;
}

int viz_text_wrapped_height(viz_text *t, const char *utf8, viz_face face, int size_px,
                            int max_w_px, int max_lines)
{
    int starts[VIZ_WRAP_MAX_LINES], lens[VIZ_WRAP_MAX_LINES];
    if (!utf8 || !*utf8)
        return 0;
    int n = viz_text_wrap(t, utf8, face, size_px, max_w_px, starts, lens, max_lines);
    int rf = resolve_face(face, utf8);
    return n * viz_text_para_line_height(t, rf & FACE_MIXED ? VIZ_FACE_JA : (viz_face)rf, size_px);
}

int viz_text_draw_wrapped(viz_text *t, const char *utf8, viz_face face, int size_px,
                          SDL_Color color, int x, int y, int max_w_px, int max_lines)
{
    return wrapped_lines(t, utf8, face, size_px, color, x, y, max_w_px, max_lines, true);
}

bool viz_text_prepare(viz_text *t, const char *utf8, viz_face face, int size_px, SDL_Color color)
{
    if (!utf8 || !*utf8)
        return true;
    return lookup(t, utf8, resolve_face(face, utf8), size_px, color) != NULL;
}

void viz_text_prepare_wrapped(viz_text *t, const char *utf8, viz_face face, int size_px,
                              SDL_Color color, int max_w_px, int max_lines)
{
    if (utf8 && *utf8)
        wrapped_lines(t, utf8, face, size_px, color, 0, 0, max_w_px, max_lines, false);
}
