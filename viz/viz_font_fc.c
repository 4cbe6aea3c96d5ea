/* viz_font_fc.c: where each face's font file is, asked of fontconfig by
 * family name (the native build). viz_font.c opens and caches the fonts;
 * the browser build links viz_font_files.c instead, whose files are fixed.
 * See viz_font.h.
 */
#include "viz_font.h"
#include "viz_wrap.h"

#include <errno.h>
#include <fontconfig/fontconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- fontconfig ------------------------------------------------------ */

/* The families each face asks for by name, in order: the faces of the
 * fonts the package depends on (fonts-dejavu-core, fonts-ipafont-gothic)
 * and recommends (fonts-noto-cjk), so the layout is the one the tests
 * measured on every machine, whatever fontconfig would call "sans". */
typedef struct {
    const char *family[2]; /* asked for in this order; NULL ends the list */
    bool bold;             /* the family's bold face (its own, not emboldened) */
    const char *package;   /* the Debian package of the first family */
} face_want;

static const face_want face_wants[VIZ_FACE_COUNT] = {
    [VIZ_FACE_SANS] = {{"DejaVu Sans", NULL}, false, "fonts-dejavu-core"},
    [VIZ_FACE_BOLD] = {{"DejaVu Sans", NULL}, true, "fonts-dejavu-core"},
    [VIZ_FACE_MONO] = {{"DejaVu Sans Mono", NULL}, false, "fonts-dejavu-core"},
    [VIZ_FACE_JA] = {{"Noto Sans CJK JP", "IPAGothic"}, false, "fonts-noto-cjk"},
    [VIZ_FACE_JA_BOLD] = {{"Noto Sans CJK JP", NULL}, true, "fonts-noto-cjk"},
};

/* fontconfig's own choice for a face, used only when no named family is
 * installed. */
static const char *face_pattern(viz_face face)
{
    switch (face) {
    case VIZ_FACE_BOLD:
        return "sans:weight=bold";
    case VIZ_FACE_MONO:
        return "monospace";
    case VIZ_FACE_JA:
        return "sans:lang=ja";
    case VIZ_FACE_JA_BOLD:
        return "sans:lang=ja:weight=bold";
    default:
        return "sans";
    }
}

static const uint32_t ja_probe[] = {0x3042, 0x30bd, 0x6f22}; /* あ ソ 漢 */

static bool covers_ja(FcPattern *font)
{
    FcCharSet *cs = NULL;
    if (FcPatternGetCharSet(font, FC_CHARSET, 0, &cs) != FcResultMatch)
        return false;
    for (size_t i = 0; i < sizeof ja_probe / sizeof ja_probe[0]; i++)
        if (!FcCharSetHasChar(cs, ja_probe[i]))
            return false;
    return true;
}

/* The file and index of a font pattern into out/index; false when the
 * path does not fit. */
static bool font_file(FcPattern *font, char *out, size_t outlen, int *index)
{
    FcChar8 *file = NULL;
    int idx = 0;
    if (FcPatternGetString(font, FC_FILE, 0, &file) != FcResultMatch)
        return false;
    if (FcPatternGetInteger(font, FC_INDEX, 0, &idx) != FcResultMatch)
        idx = 0;
    if (snprintf(out, outlen, "%s", (const char *)file) >= (int)outlen)
        return false;
    *index = idx;
    return true;
}

/* Whether font is family's face of the wanted weight, upright and
 * scalable: a match of another family (fontconfig always answers) or of
 * the family's other weight (a regular file it would embolden) is not. */
static bool is_face(FcPattern *font, const char *family, bool bold)
{
    bool named = false;
    FcChar8 *fam = NULL;
    for (int i = 0; FcPatternGetString(font, FC_FAMILY, i, &fam) == FcResultMatch; i++)
        if (FcStrCmpIgnoreCase(fam, (const FcChar8 *)family) == 0)
            named = true;
    int weight = 0, slant = FC_SLANT_ROMAN;
    FcBool scalable = FcFalse;
    if (!named || FcPatternGetInteger(font, FC_WEIGHT, 0, &weight) != FcResultMatch)
        return false;
    if (FcPatternGetBool(font, FC_SCALABLE, 0, &scalable) != FcResultMatch || !scalable)
        return false;
    if (FcPatternGetInteger(font, FC_SLANT, 0, &slant) == FcResultMatch && slant != FC_SLANT_ROMAN)
        return false;
    return bold ? weight >= FC_WEIGHT_BOLD
                : weight >= FC_WEIGHT_BOOK && weight < FC_WEIGHT_DEMIBOLD;
}

/* The installed face of a family by name (bold or regular, covering
 * Japanese when ja): 0, or -ENOENT when the family has no such face. */
static int find_named(const char *family, bool bold, bool ja, char *out, size_t outlen, int *index)
{
    int rc = -ENOENT;
    FcResult res;
    FcPattern *match = NULL, *pat = FcPatternCreate();
    if (!pat)
        return rc;
    FcPatternAddString(pat, FC_FAMILY, (const FcChar8 *)family);
    FcPatternAddInteger(pat, FC_WEIGHT, bold ? FC_WEIGHT_BOLD : FC_WEIGHT_REGULAR);
    FcPatternAddInteger(pat, FC_SLANT, FC_SLANT_ROMAN);
    FcPatternAddBool(pat, FC_SCALABLE, FcTrue);
    if (ja)
        FcPatternAddString(pat, FC_LANG, (const FcChar8 *)"ja");
    FcConfigSubstitute(NULL, pat, FcMatchPattern);
    FcDefaultSubstitute(pat);
    match = FcFontMatch(NULL, pat, &res);
    if (match && is_face(match, family, bold) && (!ja || covers_ja(match)) &&
        font_file(match, out, outlen, index))
        rc = 0;
    if (match)
        FcPatternDestroy(match);
    FcPatternDestroy(pat);
    return rc;
}

/* Bold Japanese: fontconfig's best match for lang=ja and weight=bold is
 * a regular font it would embolden when the family order ranks it first
 * (IPAGothic beside Noto Sans CJK Bold), so the candidates are walked in
 * fontconfig's order for the first one that covers Japanese and whose
 * own weight (the font's, not the render pattern's) is bold. */
static int find_ja_bold(FcPattern *pat, char *out, size_t outlen, int *index)
{
    FcResult res;
    FcFontSet *fs = FcFontSort(NULL, pat, FcFalse, NULL, &res);
    int rc = -ENOENT;
    if (!fs)
        return rc;
    for (int i = 0; i < fs->nfont; i++) {
        FcPattern *f = fs->fonts[i];
        int weight = 0;
        FcBool scalable = FcFalse;
        if (FcPatternGetInteger(f, FC_WEIGHT, 0, &weight) != FcResultMatch ||
            weight < FC_WEIGHT_BOLD)
            continue;
        if (FcPatternGetBool(f, FC_SCALABLE, 0, &scalable) != FcResultMatch || !scalable)
            continue;
        int spacing = FC_PROPORTIONAL;
        if (FcPatternGetInteger(f, FC_SPACING, 0, &spacing) == FcResultMatch &&
            spacing >= FC_MONO)
            continue; /* a bold code font, not a heading face */
        if (!covers_ja(f))
            continue;
        if (font_file(f, out, outlen, index))
            rc = 0;
        break;
    }
    FcFontSetDestroy(fs);
    return rc;
}

/* fontconfig's own choice for face (face_pattern): 0 or -ENOENT. */
static int find_fallback(viz_face face, char *out, size_t outlen, int *index)
{
    int rc = -ENOENT;
    FcPattern *pat = NULL, *match = NULL;
    FcResult res;

    pat = FcNameParse((const FcChar8 *)face_pattern(face));
    if (!pat)
        return rc;
    FcPatternAddBool(pat, FC_SCALABLE, FcTrue);
    FcConfigSubstitute(NULL, pat, FcMatchPattern);
    FcDefaultSubstitute(pat);
    if (face == VIZ_FACE_JA_BOLD) {
        rc = find_ja_bold(pat, out, outlen, index);
        goto out;
    }
    match = FcFontMatch(NULL, pat, &res);
    if (!match)
        goto out;
    if (face == VIZ_FACE_JA && !covers_ja(match))
        goto out;
    if (!font_file(match, out, outlen, index))
        goto out;
    rc = 0;
out:
    if (match)
        FcPatternDestroy(match);
    FcPatternDestroy(pat);
    return rc;
}

/* Says once per face, on stderr, that its named families are missing and
 * what is drawn instead (got: a file, or NULL for nothing found). */
static void say_fallback(viz_face face, const char *got)
{
    static bool said[VIZ_FACE_COUNT];
    const face_want *w = &face_wants[face];
    if (said[face])
        return;
    said[face] = true;
    fprintf(stderr, "sockbuf: font \"%s%s%s\"%s not installed (Debian: %s); ", w->family[0],
            w->family[1] ? "\" or \"" : "", w->family[1] ? w->family[1] : "",
            w->bold ? " (bold)" : "", w->package);
    if (got)
        fprintf(stderr, "fontconfig chose %s\n", got);
    else if (face == VIZ_FACE_JA_BOLD)
        fprintf(stderr, "bold Japanese is drawn in the regular Japanese font\n");
    else
        fprintf(stderr, "fontconfig has no font for '%s'\n", face_pattern(face));
}

int viz_font_find_index(viz_face face, char *out, size_t outlen, int *index)
{
    const face_want *w = &face_wants[face];
    bool ja = face == VIZ_FACE_JA || face == VIZ_FACE_JA_BOLD;

    *index = 0;
    if (!FcInit())
        return -ENOENT;
    for (int i = 0; i < 2 && w->family[i]; i++)
        if (find_named(w->family[i], w->bold, ja, out, outlen, index) == 0)
            return 0;
    int rc = find_fallback(face, out, outlen, index);
    say_fallback(face, rc == 0 ? out : NULL);
    return rc;
}

int viz_font_find(viz_face face, char *out, size_t outlen)
{
    int index = 0;
    return viz_font_find_index(face, out, outlen, &index);
}

void viz_font_shutdown(void)
{
    FcFini();
}

bool viz_font_covers(const char *path, const char *utf8)
{
    bool ok = false;
    FcPattern *pat = NULL;
    FcCharSet *cs = NULL;
    int count = 0;

    if (!FcInit())
        return false;
    pat = FcFreeTypeQuery((const FcChar8 *)path, 0, NULL, &count);
    if (!pat || FcPatternGetCharSet(pat, FC_CHARSET, 0, &cs) != FcResultMatch)
        goto out;
    size_t len = strlen(utf8);
    for (size_t i = 0; i < len;) {
        int n;
        uint32_t cp = viz_utf8_next(utf8 + i, (int)(len - i), &n);
        i += (size_t)n;
        if (cp <= 0x20)
            continue;
        if (!FcCharSetHasChar(cs, cp))
            goto out;
    }
    ok = true;
out:
    if (pat)
        FcPatternDestroy(pat);
    return ok;
}

const char *viz_font_missing(viz_face face)
{
    static char msg[160];
    if (face == VIZ_FACE_JA || face == VIZ_FACE_JA_BOLD)
        snprintf(msg, sizeof msg,
                 "fontconfig: no font covers Japanese (install fonts-ipafont-gothic "
                 "or fonts-noto-cjk)");
    else
        snprintf(msg, sizeof msg, "fontconfig: no font matches '%s' (install fonts-dejavu-core)",
                 face_pattern(face));
    return msg;
}
