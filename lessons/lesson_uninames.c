/* lesson_uninames.c: the Unicode character names of '\N{NAME}'. See
 * lesson_uninames.h. The named blocks are a sorted table (binary search);
 * CJK UNIFIED IDEOGRAPH-XXXX and HANGUL SYLLABLE names are computed as the
 * Unicode standard defines them (chapter 4.8, 3.12).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "lesson_uninames.h"

typedef struct {
    const char *name; /* upper case, as Unicode writes it */
    int32_t cp;       /* its code point */
} uniname;

static const uniname names[] = {
#include "lesson_uninames_table.inc"
};

/* The CJK unified ideographs of Unicode 14 (the table's version). */
static const struct {
    int32_t lo, hi;
} cjk[] = {{0x3400, 0x4DBF},   {0x4E00, 0x9FFF},   {0x20000, 0x2A6DF}, {0x2A700, 0x2B738},
           {0x2B740, 0x2B81D}, {0x2B820, 0x2CEA1}, {0x2CEB0, 0x2EBE0}, {0x30000, 0x3134A}};

static int32_t cjk_lookup(const char *up)
{
    static const char prefix[] = "CJK UNIFIED IDEOGRAPH-";
    size_t pl = sizeof prefix - 1, n = strlen(up);
    if (strncmp(up, prefix, pl) || (n - pl != 4 && n - pl != 5))
        return -1;
    int32_t cp = 0;
    for (size_t i = pl; i < n; i++) {
        char c = up[i];
        int d = c >= '0' && c <= '9' ? c - '0' : (c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1);
        if (d < 0)
            return -1;
        cp = cp * 16 + d;
    }
    for (size_t k = 0; k < sizeof cjk / sizeof cjk[0]; k++)
        if (cp >= cjk[k].lo && cp <= cjk[k].hi)
            return cp;
    return -1;
}

static int32_t hangul_lookup(const char *up)
{
    static const char *const lead[] = {"G",  "GG", "N", "D",  "DD", "R", "M", "B", "BB", "S",
                                       "SS", "",   "J", "JJ", "C",  "K", "T", "P", "H"};
    static const char *const vowel[] = {"A",   "AE", "YA", "YAE", "EO", "E",  "YEO",
                                        "YE",  "O",  "WA", "WAE", "OE", "YO", "U",
                                        "WEO", "WE", "WI", "YU",  "EU", "YI", "I"};
    static const char *const tail[] = {"",   "G",  "GG", "GS", "N",  "NJ", "NH", "D", "L",  "LG",
                                       "LM", "LB", "LS", "LT", "LP", "LH", "M",  "B", "BS", "S",
                                       "SS", "NG", "J",  "C",  "K",  "T",  "P",  "H"};
    static const char prefix[] = "HANGUL SYLLABLE ";
    size_t pl = sizeof prefix - 1;
    if (strncmp(up, prefix, pl))
        return -1;
    char one[16];
    for (int l = 0; l < 19; l++)
        for (int v = 0; v < 21; v++)
            for (int t = 0; t < 28; t++) {
                snprintf(one, sizeof one, "%s%s%s", lead[l], vowel[v], tail[t]);
                if (!strcmp(up + pl, one))
                    return 0xAC00 + (l * 21 + v) * 28 + t;
            }
    return -1;
}

int32_t lesson_unicode_lookup(const char *name, size_t len)
{
    char up[96];
    if (len == 0 || len >= sizeof up)
        return -1;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        up[i] = c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
    }
    up[len] = '\0';
    size_t lo = 0, hi = sizeof names / sizeof names[0];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(names[mid].name, up);
        if (c == 0)
            return names[mid].cp;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    int32_t cp = cjk_lookup(up);
    return cp >= 0 ? cp : hangul_lookup(up);
}
