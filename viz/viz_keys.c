/* viz_keys.c: the window's key table and its lookup. See viz_keys.h.
 *
 * The rows are in the help overlay's order, which the manual's and the
 * README's key tables follow. Keypad twins and Enter are bound beside the
 * keys the overlay names, without being named. viz_keys_man() at the end
 * turns the manual's rows into the man page's roff.
 */
#include "viz_keys.h"

#include <ctype.h>
#include <string.h>

#define K(sym, action)                                                                             \
    {                                                                                              \
        (sym), 0, 0, (action)                                                                      \
    }
#define CTRL(sym, action)                                                                          \
    {                                                                                              \
        (sym), 0, VIZ_KEY_CTRL, (action)                                                           \
    }
#define RANGE(sym, last, action)                                                                   \
    {                                                                                              \
        (sym), (last), 0, (action)                                                                 \
    }

static const viz_key_row rows[] = {
    {VIZ_KEYS_LESSON,
     {K(SDLK_SPACE, VIZ_KEY_NEXT), K(SDLK_RIGHT, VIZ_KEY_NEXT)},
     "Space  →",
     "next step",
     "次のステップ",
     "Space, Right",
     "next step (its bytes move)",
     true},
    {VIZ_KEYS_LESSON,
     {K(SDLK_LEFT, VIZ_KEY_PREV)},
     "←",
     "previous step (as recorded)",
     "前のステップ (記録を表示)",
     "Left",
     "previous step (shown at once: every step is recorded)",
     true},
    {VIZ_KEYS_LESSON,
     {K(SDLK_DOWN, VIZ_KEY_PAGE_NEXT), K(SDLK_PAGEDOWN, VIZ_KEY_PAGE_NEXT),
      K(SDLK_UP, VIZ_KEY_PAGE_PREV), K(SDLK_PAGEUP, VIZ_KEY_PAGE_PREV)},
     "↓ PgDn  /  ↑ PgUp",
     "more narration / back (else step)",
     "説明の続き / 戻る (なければステップ)",
     "Down, PageDown / Up, PageUp",
     "the narration's next / previous page when it has one (\"▼ more: ↓  1/2\"), else the next / "
     "previous step",
     true},
    {VIZ_KEYS_LESSON,
     {K(SDLK_HOME, VIZ_KEY_FIRST), K(SDLK_END, VIZ_KEY_LAST)},
     "Home / End",
     "first / last step",
     "最初 / 最後のステップ",
     "Home, End",
     "first, last step",
     true},
    {VIZ_KEYS_LESSON,
     {K(SDLK_p, VIZ_KEY_AUTOPLAY)},
     "P",
     "autoplay on / off",
     "自動再生 オン / オフ",
     "P",
     "autoplay",
     true},
    {VIZ_KEYS_LESSON,
     {K(SDLK_w, VIZ_KEY_WIRE)},
     "W",
     "the wire: model / kernel",
     "ワイヤ: モデル / カーネル",
     "W",
     "the wire shows the model's events or the kernel's own segments (logged by the emulated "
     "wire; the title says whose)",
     true},
    {VIZ_KEYS_LESSON,
     {K(SDLK_PLUS, VIZ_KEY_FASTER), K(SDLK_KP_PLUS, VIZ_KEY_FASTER), K(SDLK_EQUALS, VIZ_KEY_FASTER),
      K(SDLK_MINUS, VIZ_KEY_SLOWER), K(SDLK_KP_MINUS, VIZ_KEY_SLOWER)},
     "+  /  -",
     "animation faster / slower",
     "アニメーションを速く / 遅く",
     "+ / -",
     "animation faster / slower",
     false},
    {VIZ_KEYS_LESSON,
     {K(SDLK_k, VIZ_KEY_FREEZE)},
     "K  /  ,  .",
     "freeze / a frame back, forward",
     "一時停止 / 1コマ戻す・進める",
     "K",
     "freeze the animation where it is, to point at a packet (K again: it plays on)",
     true},
    /* Not in README's table: --help's one-line summary cannot name , and .
     * The overlay names them on K's line, to stay one screen tall. */
    {VIZ_KEYS_LESSON,
     {K(SDLK_COMMA, VIZ_KEY_FRAME_BACK), K(SDLK_PERIOD, VIZ_KEY_FRAME_FWD)},
     NULL,
     NULL,
     NULL,
     ", / .",
     "one frame back / forward, frozen (pressed while it plays, it freezes first)",
     false},
    {VIZ_KEYS_LESSON,
     {K(SDLK_BACKSPACE, VIZ_KEY_REPLAY)},
     "Backspace",
     "replay the step",
     "このステップをもう一度再生",
     "Backspace",
     "replay the step's animation from its start",
     true},
    {VIZ_KEYS_LESSON,
     {K(SDLK_g, VIZ_KEY_GOTO), K(SDLK_b, VIZ_KEY_SPOTLIGHT)},
     "G N Enter  /  B",
     "go to step N / spotlight a buffer",
     "ステップ N へ / バッファを照らす",
     "G / B",
     "go to step N (type its number, Enter goes there, Esc stays) / spotlight one kernel buffer, "
     "to point at it (B again: the next buffer; after the last, or Esc: off)",
     true},
    {VIZ_KEYS_ANYWHERE,
     {K(SDLK_l, VIZ_KEY_LANG)},
     "L",
     "English / 日本語",
     "English / 日本語",
     "L",
     "English / Japanese",
     true},
    {VIZ_KEYS_ANYWHERE,
     {K(SDLK_f, VIZ_KEY_FULLSCREEN), K(SDLK_F11, VIZ_KEY_FULLSCREEN)},
     "F  /  F11",
     "fullscreen",
     "全画面",
     "F, F11",
     "fullscreen",
     true},
    {VIZ_KEYS_ANYWHERE,
     {CTRL(SDLK_EQUALS, VIZ_KEY_ZOOM_IN), CTRL(SDLK_PLUS, VIZ_KEY_ZOOM_IN),
      CTRL(SDLK_KP_PLUS, VIZ_KEY_ZOOM_IN), CTRL(SDLK_MINUS, VIZ_KEY_ZOOM_OUT),
      CTRL(SDLK_KP_MINUS, VIZ_KEY_ZOOM_OUT), CTRL(SDLK_0, VIZ_KEY_ZOOM_RESET)},
     "Ctrl+=  /  Ctrl+-",
     "bigger / smaller text",
     "文字を大きく / 小さく",
     "Ctrl+= / Ctrl+-",
     "bigger / smaller picture for the back row: text, buffers, tiles and chips alike (Ctrl+0: back to normal)",
     true},
    {VIZ_KEYS_ANYWHERE,
     {K(SDLK_t, VIZ_KEY_THEME)},
     "T",
     "theme: dark / light / contrast",
     "テーマ: ダーク / ライト / ハイコントラスト",
     "T",
     "the next theme: dark, light (a bright room, a projector), contrast (white on black); "
     "`--theme` starts in one",
     true},
    {VIZ_KEYS_LESSON,
     {K(SDLK_r, VIZ_KEY_RESTART)},
     "R",
     "restart with fresh sockets",
     "新しいソケットで最初から",
     "R",
     "restart the lesson with fresh sockets",
     true},
    {VIZ_KEYS_QUESTION,
     {RANGE(SDLK_a, SDLK_d, VIZ_KEY_VOTE), K(SDLK_BACKSPACE, VIZ_KEY_UNVOTE),
      K(SDLK_SPACE, VIZ_KEY_REVEAL), K(SDLK_RETURN, VIZ_KEY_REVEAL),
      K(SDLK_KP_ENTER, VIZ_KEY_REVEAL)},
     "A - D  /  Bksp  /  Space",
     "a question: vote / take back / reveal",
     "質問: 投票 / 取り消し / 答えを見る",
     "A … D, Backspace, then Space",
     "a question: record the class's votes (press again to count hands; Backspace takes the "
     "last vote back), then reveal",
     true},
    {VIZ_KEYS_LESSON,
     {K(SDLK_TAB, VIZ_KEY_PROMPT)},
     "Tab",
     "what if: type a statement",
     "もしも: 文を入力して実行",
     "Tab",
     "\"what if\": type a lesson line, Enter runs it as a new step",
     true},
    {VIZ_KEYS_LESSON,
     {CTRL(SDLK_z, VIZ_KEY_UNDO), CTRL(SDLK_s, VIZ_KEY_SAVE)},
     "Ctrl+Z  /  Ctrl+S",
     "undo it / save the session",
     "取り消す / セッションを保存",
     "Ctrl+Z / Ctrl+S",
     "undo the typed step (the recorded steps before it stay) / save the session as "
     "`./sockbuf-session-N.lesson` (the path is shown)",
     false},
    {VIZ_KEYS_LESSON,
     {K(SDLK_m, VIZ_KEY_LATENCY)},
     "M",
     "latency 1 / 5 / 50 ms",
     "遅延 1 / 5 / 50 ms",
     "M",
     "model latency 1 → 5 → 50 ms, the lesson rerun at the same step",
     false},
    {VIZ_KEYS_LESSON,
     {K(SDLK_n, VIZ_KEY_NEXT_LESSON)},
     "N",
     "the next lesson, after the last step",
     "次のレッスン (最後のステップのあと)",
     "N",
     "after the last step (which says the lesson is over): the next bundled lesson",
     true},
    {VIZ_KEYS_ANYWHERE,
     {RANGE(SDLK_1, SDLK_9, VIZ_KEY_LESSON), RANGE(SDLK_KP_1, SDLK_KP_9, VIZ_KEY_LESSON)},
     "1 - 9",
     "pick a lesson (asks first if work is lost)",
     "レッスンを選ぶ (失うものがあれば確認)",
     "1 … 9",
     "pick a bundled lesson; when the class's votes or typed steps would be lost it asks "
     "first (the same key again switches, any other key stays)",
     true},
    {VIZ_KEYS_ANYWHERE,
     {K(SDLK_0, VIZ_KEY_PICKER), K(SDLK_KP_0, VIZ_KEY_PICKER)},
     "0",
     "the lesson picker",
     "レッスン一覧",
     "0",
     "the lesson picker (asks first, as 1 … 9 do)",
     true},
    {VIZ_KEYS_ANYWHERE,
     {K(SDLK_QUESTION, VIZ_KEY_HELP),
      {SDLK_SLASH, 0, VIZ_KEY_SHIFT, VIZ_KEY_HELP},
      K(SDLK_F1, VIZ_KEY_HELP)},
     "?  /  F1",
     "this help",
     "このヘルプ",
     "? or F1",
     "the help: every key",
     true},
    {VIZ_KEYS_ANYWHERE,
     {K(SDLK_ESCAPE, VIZ_KEY_ESCAPE), K(SDLK_q, VIZ_KEY_QUIT)},
     "Esc  /  Q Q",
     "close what is open / quit (Q twice)",
     "開いているものを閉じる / 終了 (Q を2回)",
     "Esc / Q",
     "close what is open: the help, the spotlight, the step number being typed, a \"leave?\" "
     "or \"quit?\" question (Esc never quits) / quit: Q asks first, Q again quits",
     true},
    /* The picker's own keys: its footer names them, the overlay does not. */
    {VIZ_KEYS_PICKER,
     {K(SDLK_UP, VIZ_KEY_PICK_UP), K(SDLK_DOWN, VIZ_KEY_PICK_DOWN),
      K(SDLK_RETURN, VIZ_KEY_PICK_OPEN), K(SDLK_KP_ENTER, VIZ_KEY_PICK_OPEN),
      K(SDLK_SPACE, VIZ_KEY_PICK_OPEN), K(SDLK_RIGHT, VIZ_KEY_PICK_OPEN)},
     NULL,
     NULL,
     NULL,
     "Up, Down, Enter",
     "in the lesson picker: choose a lesson, open it",
     false},
    /* The trace window's own keys (`sockbuf trace`, viz_window.c). */
    {VIZ_KEYS_TRACE,
     {K(SDLK_SPACE, VIZ_KEY_NEXT), K(SDLK_RIGHT, VIZ_KEY_NEXT)},
     "Space  →",
     "the held call runs / the next recorded call",
     "止めた呼び出しを実行 / 次の記録",
     "Space, Right",
     "the held call runs; looking back, the next recorded call (after the last: now)",
     false},
    {VIZ_KEYS_TRACE,
     {K(SDLK_LEFT, VIZ_KEY_PREV)},
     "←",
     "look back: the call before",
     "さかのぼる: 前の呼び出し",
     "Left",
     "look back at the recorded calls: the one before",
     false},
    {VIZ_KEYS_TRACE,
     {K(SDLK_HOME, VIZ_KEY_FIRST), K(SDLK_END, VIZ_KEY_LAST)},
     "Home / End",
     "the first call / now",
     "最初の呼び出し / 現在",
     "Home, End",
     "the first recorded call, now",
     false},
    {VIZ_KEYS_TRACE,
     {K(SDLK_p, VIZ_KEY_AUTOPLAY)},
     "P",
     "play: the calls run by themselves",
     "再生: 呼び出しを自動で実行",
     "P",
     "play: each held call runs by itself after 0.4 s (P again: they wait for Space)",
     false},
    /* The keys the live and trace windows share. */
    {VIZ_KEYS_LIVE | VIZ_KEYS_TRACE,
     {K(SDLK_l, VIZ_KEY_LANG)},
     "L",
     "English / 日本語",
     "English / 日本語",
     "L",
     "English / Japanese",
     false},
    {VIZ_KEYS_LIVE | VIZ_KEYS_TRACE,
     {K(SDLK_f, VIZ_KEY_FULLSCREEN), K(SDLK_F11, VIZ_KEY_FULLSCREEN)},
     "F  /  F11",
     "fullscreen",
     "全画面",
     "F, F11",
     "fullscreen",
     false},
    {VIZ_KEYS_LIVE | VIZ_KEYS_TRACE,
     {CTRL(SDLK_EQUALS, VIZ_KEY_ZOOM_IN), CTRL(SDLK_PLUS, VIZ_KEY_ZOOM_IN),
      CTRL(SDLK_KP_PLUS, VIZ_KEY_ZOOM_IN), CTRL(SDLK_MINUS, VIZ_KEY_ZOOM_OUT),
      CTRL(SDLK_KP_MINUS, VIZ_KEY_ZOOM_OUT), CTRL(SDLK_0, VIZ_KEY_ZOOM_RESET)},
     "Ctrl+=  /  Ctrl+-",
     "bigger / smaller text",
     "文字を大きく / 小さく",
     "Ctrl+= / Ctrl+-",
     "bigger / smaller text for the back row (Ctrl+0: back to normal)",
     false},
    {VIZ_KEYS_LIVE | VIZ_KEYS_TRACE,
     {K(SDLK_QUESTION, VIZ_KEY_HELP),
      {SDLK_SLASH, 0, VIZ_KEY_SHIFT, VIZ_KEY_HELP},
      K(SDLK_F1, VIZ_KEY_HELP)},
     "?  /  F1",
     "this help",
     "このヘルプ",
     "? or F1",
     "the help: every key",
     false},
    {VIZ_KEYS_LIVE | VIZ_KEYS_TRACE,
     {K(SDLK_ESCAPE, VIZ_KEY_ESCAPE), K(SDLK_q, VIZ_KEY_QUIT)},
     "Esc  /  Q Q",
     "close the help / quit (Q twice)",
     "ヘルプを閉じる / 終了 (Q を2回)",
     "Esc / Q",
     "close the help (Esc never quits) / quit: Q asks first, Q again quits",
     false},
};

static const char *const names[VIZ_KEY_NACTIONS] = {
    "none",       "next",  "prev",      "page-next",   "page-prev",  "first",      "last",
    "autoplay",   "wire",  "faster",    "slower",      "freeze",     "frame-back", "frame-fwd",
    "replay",     "goto",  "spotlight", "lang",        "fullscreen", "zoom-in",    "zoom-out",
    "zoom-reset", "theme", "restart",   "vote",        "unvote",     "reveal",     "prompt",
    "undo",       "save",  "latency",   "next-lesson", "lesson",     "picker",     "help",
    "escape",     "quit",  "pick-up",   "pick-down",   "pick-open",
};

const viz_key_row *viz_keys_table(size_t *n)
{
    *n = sizeof rows / sizeof rows[0];
    return rows;
}

int viz_keys_help_lines(const char *lines[][3], int max)
{
    return viz_keys_help_lines_in(VIZ_KEYS_LESSON_WINDOW, lines, max);
}

int viz_keys_help_lines_in(unsigned window, const char *lines[][3], int max)
{
    int n = 0;
    for (size_t r = 0; r < sizeof rows / sizeof rows[0] && n < max; r++) {
        if (!rows[r].help_keys || !(rows[r].contexts & window))
            continue;
        lines[n][0] = rows[r].help_keys;
        lines[n][1] = rows[r].help_en;
        lines[n][2] = rows[r].help_ja;
        n++;
    }
    return n;
}

static bool binding_matches(const viz_key_binding *b, SDL_Keycode sym, Uint16 mod)
{
    bool in = b->last ? sym >= b->sym && sym <= b->last : sym == b->sym;
    if (!in)
        return false;
    if ((b->mods & VIZ_KEY_CTRL) && !(mod & KMOD_CTRL))
        return false;
    if ((b->mods & VIZ_KEY_SHIFT) && !(mod & KMOD_SHIFT))
        return false;
    return true;
}

/* The first binding of a row in context ctx matching, those needing
 * modifiers first (Ctrl+= zooms, = alone speeds up). */
static viz_key_action find_in(unsigned ctx, SDL_Keycode sym, Uint16 mod)
{
    for (int pass = 0; pass < 2; pass++)
        for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
            if (!(rows[r].contexts & ctx))
                continue;
            for (int k = 0; k < VIZ_KEY_MAX_BINDINGS && rows[r].keys[k].sym; k++) {
                const viz_key_binding *b = &rows[r].keys[k];
                if ((pass == 0) == (b->mods != 0) && binding_matches(b, sym, mod))
                    return b->action;
            }
        }
    return VIZ_KEY_NONE;
}

viz_key_action viz_keys_find(unsigned contexts, SDL_Keycode sym, Uint16 mod)
{
    static const unsigned order[] = {VIZ_KEYS_ANYWHERE, VIZ_KEYS_PICKER, VIZ_KEYS_QUESTION,
                                     VIZ_KEYS_LESSON,   VIZ_KEYS_LIVE,   VIZ_KEYS_TRACE};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        if (!(contexts & order[i]))
            continue;
        viz_key_action act = find_in(order[i], sym, mod);
        if (act != VIZ_KEY_NONE)
            return act;
    }
    return VIZ_KEY_NONE;
}

viz_key_action viz_keys_window_event(viz_keys_window *st, unsigned window, const SDL_Event *ev)
{
    viz_key_action act = VIZ_KEY_NONE;
    if (ev->type == SDL_TEXTINPUT && !strcmp(ev->text.text, "?"))
        act = viz_keys_find(window, SDLK_QUESTION, 0); /* '?' on any layout */
    else if (ev->type == SDL_KEYDOWN) {
        SDL_Keycode sym = ev->key.keysym.sym;
        if (sym >= SDLK_LCTRL && sym <= SDLK_RGUI)
            return VIZ_KEY_NONE; /* Shift on its way to '?' answers no question */
        act = viz_keys_find(window, sym, ev->key.keysym.mod);
    } else
        return VIZ_KEY_NONE;
    bool asked = st->asking_quit;
    st->asking_quit = false;
    st->message_en = st->message_ja = NULL;
    switch (act) {
    case VIZ_KEY_HELP:
        st->help = !st->help;
        break;
    case VIZ_KEY_ESCAPE:
        if (st->help) {
            st->help = false;
        } else if (!asked) {
            st->message_en = "Esc closes what is open; to quit: Q, then Q again";
            st->message_ja = "Esc は開いているものを閉じます。終了は Q を2回";
        }
        break;
    case VIZ_KEY_QUIT:
        if (asked) {
            st->quit = true;
        } else {
            st->asking_quit = true;
            st->message_en = "Quit? Q again: quit · any other key: stay";
            st->message_ja = "終了しますか？ もう一度 Q: 終了 · ほかのキー: 続ける";
        }
        break;
    default:
        break;
    }
    return act;
}

const char *viz_keys_action_name(viz_key_action action)
{
    return action >= 0 && action < VIZ_KEY_NACTIONS ? names[action] : "?";
}

/* ---- the man page's KEYS list ------------------------------------- */

/* One UTF-8 character at s (n bytes long, n >= 2) as groff would name
 * it: the page is ASCII, so groff warns about no raw byte. */
static void roff_char(FILE *out, const char *s, int n)
{
    static const struct {
        const char *utf8, *roff;
    } named[] = {{"→", "\\(->"}, {"←", "\\(<-"}, {"↓", "\\(da"}, {"↑", "\\(ua"}, {"…", "..."}};
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
        if ((int)strlen(named[i].utf8) == n && !strncmp(s, named[i].utf8, (size_t)n)) {
            fputs(named[i].roff, out);
            return;
        }
    const unsigned char *u = (const unsigned char *)s;
    unsigned cp = n == 2   ? (u[0] & 0x1fu) << 6 | (u[1] & 0x3fu)
                  : n == 3 ? (u[0] & 0x0fu) << 12 | (u[1] & 0x3fu) << 6 | (u[2] & 0x3fu)
                           : (u[0] & 0x07u) << 18 | (u[1] & 0x3fu) << 12 | (u[2] & 0x3fu) << 6 |
                                 (u[3] & 0x3fu);
    fprintf(out, "\\[u%04X]", cp);
}

/* The length of the UTF-8 character starting with byte c (1: ASCII or
 * a stray byte). */
static int utf8_len(unsigned char c)
{
    return c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
}

/* n bytes of s as roff text in the current font: backslashes and minus
 * signs escaped, `code` italic, other characters named (roff_char). */
static void roff_text(FILE *out, const char *s, size_t n)
{
    bool code = false;
    for (size_t i = 0; i < n;) {
        int len = utf8_len((unsigned char)s[i]);
        if (len > 1 && i + (size_t)len <= n)
            roff_char(out, s + i, len);
        else if (s[i] == '\\')
            fputs("\\e", out);
        else if (s[i] == '-')
            fputs("\\-", out);
        else if (s[i] == '`')
            fputs((code = !code) ? "\\fI" : "\\fP", out);
        else
            fputc(s[i], out);
        i += len > 1 && i + (size_t)len <= n ? (size_t)len : 1;
    }
}

/* A row's manual keys ("Down, PageDown / Up, PageUp", "A … D, then
 * Space"): each key bold, the words between them ("/", "or", "…",
 * "then") and the commas roman. */
static void roff_keys(FILE *out, const char *keys)
{
    static const char *const between[] = {"/", "or", "…", "then"};
    const char *p = keys;
    while (*p) {
        size_t n = strcspn(p, " ");
        bool comma = n > 1 && p[n - 1] == ',';
        size_t word = comma ? n - 1 : n;
        bool key = true;
        for (size_t i = 0; i < sizeof between / sizeof between[0]; i++)
            key &= !(strlen(between[i]) == word && !strncmp(p, between[i], word));
        if (key)
            fputs("\\fB", out);
        roff_text(out, p, word);
        if (key)
            fputs("\\fP", out);
        if (comma)
            fputc(',', out);
        p += n;
        if (*p == ' ')
            fputc(*p++, out);
    }
}

/* One row of the man page's KEYS list. */
static void man_row(FILE *out, const viz_key_row *row)
{
    const char *t = row->doc;
    fputs(".TP\n", out);
    roff_keys(out, row->doc_keys);
    fputc('\n', out);
    /* The manual's first letter is small; the page's sentences start big. */
    if (islower((unsigned char)t[0])) {
        fputc(toupper((unsigned char)t[0]), out);
        t++;
    } else if (t[0] == '.' || t[0] == '\'') {
        fputs("\\&", out); /* not a request */
    }
    roff_text(out, t, strlen(t));
    fputs(".\n", out);
}

void viz_keys_man(FILE *out)
{
    static const struct {
        unsigned window;
        const char *intro; /* the line before its rows, or NULL */
    } windows[] = {
        {VIZ_KEYS_LESSON_WINDOW, NULL},
        {VIZ_KEYS_LIVE, "The live window (\\fBsockbuf live\\fP with a display):"},
        {VIZ_KEYS_TRACE, "The trace window (\\fBsockbuf trace\\fP):"},
    };
    for (size_t wi = 0; wi < sizeof windows / sizeof windows[0]; wi++) {
        if (windows[wi].intro)
            fprintf(out, ".PP\n%s\n", windows[wi].intro);
        for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++)
            if (rows[r].doc && (rows[r].contexts & windows[wi].window))
                man_row(out, &rows[r]);
    }
}
