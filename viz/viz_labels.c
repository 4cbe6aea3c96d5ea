/* viz_labels.c: every word the window shows, in English and Japanese, and
 * byte counts as people read them. See viz_draw.h (viz_label,
 * viz_fmt_bytes).
 */
#include "viz_draw.h"

#include <stdio.h>

static const char *const labels[VIZ_L_COUNT][2] = {
    [VIZ_L_CLIENT] = {"CLIENT", "クライアント"},
    [VIZ_L_SERVER] = {"SERVER", "サーバー"},
    [VIZ_L_APP] = {"Application", "アプリケーション"},
    /* Python's own buffers in the application box: what each one is */
    [VIZ_L_APPBUF] = {"write buffer (makefile 'wb')", "書き込みバッファ (makefile 'wb')"},
    [VIZ_L_APPBUF_SHORT] = {"write buffer", "書き込みバッファ"},
    [VIZ_L_APPBUF_READ] = {"read-ahead (makefile 'rb')", "先読みバッファ (makefile 'rb')"},
    [VIZ_L_APPBUF_READ_SHORT] = {"read-ahead", "先読みバッファ"},
    [VIZ_L_KERNEL] = {"Kernel", "カーネル"},
    [VIZ_L_SENDBUF] = {"send buffer", "送信バッファ"},
    [VIZ_L_RECVBUF] = {"receive buffer", "受信バッファ"},
    [VIZ_L_UNSENT] = {"unsent", "未送信"},
    [VIZ_L_INFLIGHT] = {"in flight", "送信済み・未ACK"},
    [VIZ_L_RECEIVED] = {"received, not read", "受信済み・未読"},
    [VIZ_L_MODEL] = {"model", "モデル"},
    [VIZ_L_REAL] = {"kernel", "実カーネル"},
    [VIZ_L_REAL_AFTER] = {"kernel, after the step", "実カーネル (ステップ後)"},
    [VIZ_L_WIRE] = {"the wire (model)", "ワイヤ (モデル)"},
    /* W: the kernel's own segments fly; the buffers keep the model's
     * numbers (their captions say "model:"), and the title says so. */
    [VIZ_L_WIRE_KERNEL] = {"the wire (kernel) · buffers: model",
                           "ワイヤ (カーネル)・バッファ: モデル"},
    [VIZ_L_WIRE_KERNEL_NONE] = {"kernel: no segment log (loopback)",
                                "カーネル: 記録なし (ループバック)"},
    [VIZ_L_ZERO_WINDOW] = {"⚠ ZERO WINDOW", "⚠ ゼロウィンドウ"},
    [VIZ_L_ZERO_WINDOW_NOTE] = {"receiver full: sender must wait", "受信側が満杯: 送信側は待つ"},
    [VIZ_L_DONE] = {"done", "完了"},
    [VIZ_L_BLOCKED] = {"■ BLOCKED", "■ ブロック中"},
    [VIZ_L_PENDING] = {"waiting", "待ち"},
    [VIZ_L_ERROR] = {"error", "エラー"},
    [VIZ_L_STEP] = {"Step", "ステップ"},
    [VIZ_L_PRINTED] = {"printed", "出力"},
    [VIZ_L_WINDOW] = {"win", "窓"},
    [VIZ_L_NO_SOCKET] = {"no socket yet", "ソケットはまだない"},
    [VIZ_L_LISTENING] = {"listening: no data queues", "待ち受け中: データのキューなし"},
    [VIZ_L_CHECKS_OK] = {"checks passed", "チェック合格"},
    [VIZ_L_CHECKS_FAILED] = {"checks failed", "チェック失敗"},
    /* The badges' symbols: red and green differ in shape too. */
    [VIZ_L_SYM_OK] = {"✓", "✓"},
    [VIZ_L_SYM_FAILED] = {"×", "×"},
    [VIZ_L_PICKER_TITLE] = {"Choose a lesson", "レッスンを選ぶ"},
    [VIZ_L_PICKER_HINT] = {"1-9 or Up/Down and Enter · L 日本語 · ? help · Q quit",
                           "1-9 または ↑↓ と Enter · L English · ? ヘルプ · Q 終了"},
    [VIZ_L_FOOTER] = {"Space next · ← back · P autoplay · L 日本語 · ? help",
                      "Space 次へ · ← 戻る · P 自動再生 · L English · ? ヘルプ"},
    [VIZ_L_LIVE_FOOTER] = {"L 日本語 · Ctrl+= / Ctrl+- text size · ? help · Q quit",
                           "L English · Ctrl+= / Ctrl+- 文字サイズ · ? ヘルプ · Q 終了"},
    [VIZ_L_TRACE_FOOTER] =
        {"Space next call · P play · ← → recorded calls · L 日本語 · ? help · Q quit",
         "Space 次の呼び出し · P 再生 · ← → 記録 · L English · ? ヘルプ · Q 終了"},
    [VIZ_L_HELP_TITLE] = {"Keys", "キー操作"},
    [VIZ_L_NO_REAL] = {"kernel: n/a", "実カーネル: なし"},
    [VIZ_L_DIFFERS] = {"differs", "違う"},
    [VIZ_L_BEFORE_FIRST] = {"Press Space to run the first step.",
                            "Space で最初のステップを実行します。"},
    [VIZ_L_LANE_C2S] = {"client → server", "クライアント → サーバー"},
    [VIZ_L_LANE_S2C] = {"server → client", "サーバー → クライアント"},
    [VIZ_L_LEGEND_WRITES] = {"one colour per write()", "write() ごとに1色"},
    [VIZ_L_LEGEND_STRIPES] = {"striped: in flight", "縞模様: 送信済み・未ACK"},
    [VIZ_L_LEGEND_OVERHEAD] = {"grey: kernel overhead", "灰色: カーネルの管理領域"},
    /* a buffer's header: "4,096 B · usable 4,096 of 8,192 B" */
    [VIZ_L_USABLE] = {"usable", "使用可能"},
    [VIZ_L_USABLE_OF] = {"of", "/"},
    [VIZ_L_LEGEND_HINT] = {"colours: ? key", "色の意味: ? キー"},
    [VIZ_L_CHECKS_SKIPPED] = {"not checked", "件未確認"},
    /* the application box: a blocked call's data not yet in the kernel */
    [VIZ_L_APP_PENDING] = {"still to hand to the kernel", "まだカーネルに渡していない"},
    [VIZ_L_APP_PENDING_SHORT] = {"not yet sent", "未送出"},
};

const char *viz_label(viz_lang lang, viz_label_id id)
{
    if ((int)id < 0 || id >= VIZ_L_COUNT)
        return "";
    const char *s = labels[id][lang == VIZ_LANG_JA];
    return s ? s : labels[id][0];
}

/* "12 B", "1,460 B", "128 KiB" -- byte counts as people read them. */
void viz_fmt_bytes(char *out, size_t len, uint64_t b)
{
    if (b >= 1024 * 1024 && b % (1024 * 1024) == 0)
        snprintf(out, len, "%llu MiB", (unsigned long long)(b / (1024 * 1024)));
    else if (b >= 1024 * 1024)
        snprintf(out, len, "%.1f MiB", (double)b / (1024.0 * 1024.0));
    else if (b >= 100000)
        snprintf(out, len, "%.0f KiB", (double)b / 1024.0);
    else if (b >= 1000)
        snprintf(out, len, "%llu,%03llu B", (unsigned long long)(b / 1000),
                 (unsigned long long)(b % 1000));
    else
        snprintf(out, len, "%llu B", (unsigned long long)b);
}

/* Draws a queue's runs as coloured blocks from x0 in direction dir (+1
 * right, -1 left), scaled so cap bytes fill width; returns the pixel
 * length used. Every run with bytes gets at least 10 units. */
