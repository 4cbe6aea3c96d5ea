/* viz_msg.c: the parser's English diagnostics matched against their
 * formats and rewritten in Japanese (see viz_msg.h).
 *
 * A format's conversions (%s, %.*s, %d, %c, %zu, %02x) match any text up
 * to the literal that follows them (the shortest such text), and are
 * numbered 1.. in order; the Japanese sentence names them as %1 .. %4.
 * The few English words the parser puts into its unquoted conversions
 * ("end of line", "server") are translated too; quoted ones ('client')
 * are what the teacher typed and stay.
 */
#include "viz_msg.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

enum { MAX_ARGS = 4 };

typedef struct {
    const char *en; /* the parser's format (lessons/lesson_expr.c, lesson_parse.c) */
    const char *ja; /* the Japanese sentence; %1..%4 are en's conversions */
} msg_entry;

static const msg_entry table[] = {
    {"`import %.*s` is not supported by sockbuf (a lesson imports socket, time, select or "
     "selectors)",
     "`import %1` は sockbuf では使えません (import できるのは socket、time、select、selectors "
     "です)"},
    {"`%s.%.*s` is not supported by sockbuf", "`%1.%2` は sockbuf では使えません"},
    {"`%.*s` is not supported by sockbuf", "`%1` は sockbuf では使えません"},
    {"unknown method '%.*s'", "'%1' というメソッドはありません"},
    {"unknown function '%.*s'", "'%1' という関数はありません"},
    {"unknown name '%.*s'", "'%1' という名前はありません"},
    {"name '%.*s' is not defined on the %s side", "名前 '%1' は%2側で定義されていません"},
    {"'%s' object has no attribute '%s'", "'%1' オブジェクトに属性 '%2' はありません"},
    {"'%s' object has no method '%.*s'", "'%1' オブジェクトにメソッド '%2' はありません"},
    {"%s() takes %d to %d arguments (%d given)", "%1() の引数は %2〜%3 個です (%4 個を渡しました)"},
    {"%s() takes %d argument%s (%d given)", "%1() の引数は %2 個です (%4 個を渡しました)"},
    {"len() takes exactly one argument (%d given)", "len() の引数は 1 個です (%1 個を渡しました)"},
    {"too many arguments to %s()", "%1() の引数が多すぎます"},
    {"too many calls in one statement", "1 つの文に呼び出しが多すぎます"},
    {"unexpected keyword argument '%.*s'", "予期しないキーワード引数 '%1'"},
    {"positional argument follows keyword argument", "キーワード引数の後に位置引数があります"},
    {"cannot assign to '%.*s'", "'%1' には代入できません"},
    {"expected %s here", "ここには %1 が必要です"},
    {"expected a port number from 0 to 65535", "0〜65535 のポート番号が必要です"},
    {"expected a host string such as 'localhost'", "'localhost' のようなホスト名の文字列が必要です"},
    {"expected an address tuple (host, port)", "アドレスのタプル (host, port) が必要です"},
    {"expected a backlog integer", "backlog の整数が必要です"},
    {"expected time.sleep(SECONDS)", "time.sleep(秒数) の形が必要です"},
    {"time.sleep() of at most 60 seconds", "time.sleep() は 60 秒までです"},
    {"unterminated string literal: expected %c before end of line",
     "文字列が閉じていません: 行末までに %1 が必要です"},
    {"unexpected character '%.*s'", "予期しない文字 '%1'"},
    {"unexpected control character 0x%02x", "予期しない制御文字 0x%1"},
    {"invalid decimal literal", "数値リテラルが正しくありません"},
    {"number too large: %.*s", "数が大きすぎます: %1"},
    {"bytes can only contain ASCII literal characters", "bytes には ASCII の文字しか書けません"},
    {"only a bytes or str literal can be repeated with '*'",
     "'*' で繰り返せるのは bytes か str のリテラルだけです"},
    {"unsupported operand type(s) for -: '%s' and '%s'",
     "'-' は '%1' と '%2' の組み合わせに使えません"},
    {"expected 'client:' or 'server:', found %s",
     "'client:' か 'server:' が必要ですが、%1がありました"},
    {"'%.*s' must come before the first 'step'", "'%1' は最初の 'step' より前に書きます"},
    {"unknown directive '%.*s' (expected %s)", "'%1' という指示はありません (使えるもの: %2)"},
    {"unknown side '%.*s': expected 'client' or 'server'",
     "'%1' という側はありません: 'client' か 'server' です"},
    {"expected ':' after '%s', found %s", "'%1' の後に ':' が必要ですが、%2がありました"},
    {"expected KEY=VALUE in the model line, found '%.*s'",
     "model の行には KEY=VALUE が必要ですが、'%1' がありました"},
    {"unknown model key '%.*s' (known: %s)", "'%1' というモデルの設定はありません (使えるもの: %2)"},
    {"expected a duration such as 5ms for %s, found '%.*s'",
     "%1 には 5ms のような時間が必要ですが、'%2' がありました"},
    {"expected a size in bytes for %s, found '%.*s'",
     "%1 にはバイト数が必要ですが、'%2' がありました"},
    {"expected %s, found %s", "%1 が必要ですが、%2 がありました"},
    {"out of memory", "メモリが足りません"},
};

/* English words the parser passes to its conversions. */
static const char *const words[][2] = {
    {"end of line", "行末"},
    {"something else", "別のもの"},
    {"nothing", "何もなし"},
    {"client", "クライアント"},
    {"server", "サーバー"},
};

typedef struct {
    const char *p;
    size_t n;
} span;

/* Length of the conversion at f ('%' at f[0]), or 0 when it is none. */
static size_t conv_len(const char *f)
{
    if (!strncmp(f, "%.*s", 4) || !strncmp(f, "%02x", 4))
        return 4;
    if (!strncmp(f, "%zu", 3))
        return 3;
    if (f[1] == 's' || f[1] == 'd' || f[1] == 'c')
        return 2;
    return 0;
}

/* Does msg match format f from here on? Records the conversions' text. */
static bool match(const char *f, const char *m, span *args, int nargs)
{
    while (*f) {
        size_t cl = *f == '%' ? conv_len(f) : 0;
        if (cl) {
            if (nargs >= MAX_ARGS)
                return false;
            const char *rest = f + cl;
            /* The shortest text (at least one character) after which the
             * rest of the format matches. */
            for (const char *e = m + 1; e <= m + strlen(m); e++) {
                args[nargs] = (span){m, (size_t)(e - m)};
                if (match(rest, e, args, nargs + 1))
                    return true;
            }
            return false;
        }
        if (*f != *m)
            return false;
        f++;
        m++;
    }
    return *m == 0;
}

static const char *word_ja(span s)
{
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strlen(words[i][0]) == s.n && !memcmp(words[i][0], s.p, s.n))
            return words[i][1];
    return NULL;
}

/* Appends n bytes of s to out at *o, never past outlen - 1 nor inside a
 * character. */
static void put(char *out, size_t outlen, size_t *o, const char *s, size_t n)
{
    if (*o + n >= outlen) {
        n = outlen - 1 - *o;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
            n--;
    }
    memcpy(out + *o, s, n);
    *o += n;
    out[*o] = 0;
}

const char *viz_msg_translate(viz_lang lang, const char *msg, char *out, size_t outlen)
{
    if (!outlen)
        return out;
    snprintf(out, outlen, "%s", msg ? msg : "");
    if (lang != VIZ_LANG_JA || !msg)
        return out;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        span args[MAX_ARGS] = {{0}};
        if (!match(table[i].en, msg, args, 0))
            continue;
        /* Which conversions the format quotes. */
        bool quoted[MAX_ARGS] = {false};
        int nconv = 0;
        for (const char *f = table[i].en; *f && nconv < MAX_ARGS; f++)
            if (*f == '%' && conv_len(f)) {
                quoted[nconv++] = f > table[i].en && f[-1] == '\'';
                f += conv_len(f) - 1;
            }
        size_t o = 0;
        out[0] = 0;
        for (const char *j = table[i].ja; *j;) {
            if (j[0] == '%' && j[1] >= '1' && j[1] <= '0' + MAX_ARGS) {
                span a = args[j[1] - '1'];
                const char *w = quoted[j[1] - '1'] ? NULL : word_ja(a);
                if (w)
                    put(out, outlen, &o, w, strlen(w));
                else if (a.p)
                    put(out, outlen, &o, a.p, a.n);
                j += 2;
            } else {
                const char *k = strchr(j + 1, '%');
                size_t n = k ? (size_t)(k - j) : strlen(j);
                put(out, outlen, &o, j, n);
                j += n;
            }
        }
        break;
    }
    return out;
}
