/* viz_font_files.c: where each face's font file is, without fontconfig:
 * fixed files in one folder (the browser build, whose page ships its own
 * fonts, subset by scripts/web). viz_font.c opens and caches them; the
 * native build links viz_font_fc.c instead. See viz_font.h.
 *
 * The folder is VIZ_FONT_DIR ("/fonts", the page's virtual file system)
 * or $SOCKBUF_FONT_DIR. Its files: sans.ttf, bold.ttf, mono.ttf (DejaVu
 * Sans, its bold, DejaVu Sans Mono), ja.otf (Noto Sans CJK JP or
 * IPAGothic) and ja-bold.otf (Noto Sans CJK JP Bold; missing: bold
 * Japanese is drawn in ja.otf).
 */
#include "viz_font.h"
#include "viz_wrap.h"

#include <SDL_ttf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef VIZ_FONT_DIR
#define VIZ_FONT_DIR "/fonts"
#endif

static const char *const face_files[VIZ_FACE_COUNT] = {
    [VIZ_FACE_SANS] = "sans.ttf",  [VIZ_FACE_BOLD] = "bold.ttf",
    [VIZ_FACE_MONO] = "mono.ttf",  [VIZ_FACE_JA] = "ja.otf",
    [VIZ_FACE_JA_BOLD] = "ja-bold.otf",
};

static const char *font_dir(void)
{
    const char *d = getenv("SOCKBUF_FONT_DIR");
    return d && *d ? d : VIZ_FONT_DIR;
}

int viz_font_find_index(viz_face face, char *out, size_t outlen, int *index)
{
    *index = 0;
    if ((int)face < 0 || face >= VIZ_FACE_COUNT)
        return -EINVAL;
    if (snprintf(out, outlen, "%s/%s", font_dir(), face_files[face]) >= (int)outlen)
        return -ENAMETOOLONG;
    return access(out, R_OK) == 0 ? 0 : -ENOENT;
}

int viz_font_find(viz_face face, char *out, size_t outlen)
{
    int index = 0;
    return viz_font_find_index(face, out, outlen, &index);
}

void viz_font_shutdown(void)
{
}

const char *viz_font_missing(viz_face face)
{
    static char msg[1200];
    snprintf(msg, sizeof msg, "font file %s/%s is missing (scripts/web puts it there)",
             font_dir(), face_files[(int)face >= 0 && face < VIZ_FACE_COUNT ? face : 0]);
    return msg;
}

bool viz_font_covers(const char *path, const char *utf8)
{
    TTF_Font *f = TTF_OpenFont(path, 16);
    bool ok = f != NULL;
    size_t len = strlen(utf8);
    for (size_t i = 0; ok && i < len;) {
        int n;
        uint32_t cp = viz_utf8_next(utf8 + i, (int)(len - i), &n);
        i += (size_t)n;
        if (cp > 0x20 && !TTF_GlyphIsProvided32(f, cp))
            ok = false;
    }
    if (f)
        TTF_CloseFont(f);
    return ok;
}
