/* viz_keys.c: the window's key table and its lookup. See viz_keys.h.
 *
 * The rows are in the help overlay's order, which the manual's and the
 * README's key tables follow. Keypad twins and Enter are bound beside the
 * keys the overlay names, without being named.
 */
#include "viz_keys.h"

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
     "bigger / smaller text for the back row (Ctrl+0: back to normal)",
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
     {RANGE(SDLK_a, SDLK_d, VIZ_KEY_VOTE), K(SDLK_SPACE, VIZ_KEY_REVEAL),
      K(SDLK_RETURN, VIZ_KEY_REVEAL), K(SDLK_KP_ENTER, VIZ_KEY_REVEAL)},
     "A - D  /  Space",
     "a question: vote / reveal",
     "質問: 投票 / 答えを見る",
     "A … D, then Space",
     "a question: record the class's votes (press again to count hands), then reveal",
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
     "pick a lesson",
     "レッスンを選ぶ",
     "1 … 9",
     "pick a bundled lesson",
     true},
    {VIZ_KEYS_ANYWHERE,
     {K(SDLK_0, VIZ_KEY_PICKER), K(SDLK_KP_0, VIZ_KEY_PICKER)},
     "0",
     "the lesson picker",
     "レッスン一覧",
     "0",
     "the lesson picker",
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
     "Esc  /  Q",
     "quit (Esc closes help first)",
     "終了 (ヘルプ表示中は閉じる)",
     "Esc, Q",
     "quit (Esc closes the help first)",
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
};

static const char *const names[VIZ_KEY_NACTIONS] = {
    "none",    "next",   "prev",   "page-next", "page-prev",  "first",   "last",      "autoplay",
    "wire",    "faster", "slower", "lang",      "fullscreen", "zoom-in", "zoom-out",  "zoom-reset",
    "restart", "vote",   "reveal", "prompt",    "undo",       "save",    "latency",   "next-lesson",
    "lesson",  "picker", "help",   "escape",    "quit",       "pick-up", "pick-down", "pick-open",
};

const viz_key_row *viz_keys_table(size_t *n)
{
    *n = sizeof rows / sizeof rows[0];
    return rows;
}

int viz_keys_help_lines(const char *lines[][3], int max)
{
    int n = 0;
    for (size_t r = 0; r < sizeof rows / sizeof rows[0] && n < max; r++) {
        if (!rows[r].help_keys)
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
                                     VIZ_KEYS_LESSON};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        if (!(contexts & order[i]))
            continue;
        viz_key_action act = find_in(order[i], sym, mod);
        if (act != VIZ_KEY_NONE)
            return act;
    }
    return VIZ_KEY_NONE;
}

const char *viz_keys_action_name(viz_key_action action)
{
    return action >= 0 && action < VIZ_KEY_NACTIONS ? names[action] : "?";
}
