/* base_glossary.c: the glossary's rows and lookups. See base_glossary.h. */
#include "base_glossary.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *en, *ja, *avoid;
} rows[BASE_TERM_COUNT] = {
#define BASE_TERM_ROW(id, en, ja, avoid) {en, ja, avoid},
    BASE_GLOSSARY(BASE_TERM_ROW)
#undef BASE_TERM_ROW
};

const char *base_term_word(base_term t, bool ja)
{
    if ((int)t < 0 || t >= BASE_TERM_COUNT)
        return "";
    return ja ? rows[t].ja : rows[t].en;
}

const char *base_glossary_avoided(const char *text, base_term *term, char *out, size_t cap)
{
    for (int t = 0; text && t < BASE_TERM_COUNT; t++)
        for (const char *w = rows[t].avoid; *w;) {
            size_t n = strcspn(w, "|");
            char word[64];
            snprintf(word, sizeof word, "%.*s", (int)n, w);
            if (n && strstr(text, word)) {
                if (term)
                    *term = (base_term)t;
                snprintf(out, cap, "%s", word);
                return out;
            }
            w += n + (w[n] == '|');
        }
    return NULL;
}
