#!/usr/bin/python3
"""web_chromium.py: the browser page (scripts/web's build-web/) in headless
Chromium, driven over the DevTools protocol, against the native picture.

Usage: tests/web_chromium.py SITE_DIR SOCKBUF_BINARY [WORK_DIR]

Serves SITE_DIR on 127.0.0.1 (a free port), opens index.html?lesson=01-basics
at a fixed 1280x720 canvas in English, steps through the lesson with the
Right key as a student would (each step's animation played to its end),
and on step 3 compares the canvas with `sockbuf render 01-basics --sim
--recorded SITE_DIR/recorded --size 1280x720` step 3 (the same size and
theme, and the same recorded kernel half in its kernel rows), row by row: the ink of
each pixel row (the sum of its grey levels) may differ by at most 5%, in at
most 4 rows. Rows, not pixels: the fonts are the same files, subset, but
the browser's SDL2_ttf is built without HarfBuzz (scripts/web), so a line
of text is drawn with hinted advances, a few pixels narrower than the
native one; 2.8% of this picture's pixels differ for that alone, while no
row's ink does. Measured against the native picture with a part removed:
the footer's key hints gone changes 16 rows, the "12 B" of the receive
buffer gone 11, half a line of the narration 31. The share of pixels that
differ by more than 48 is printed too, and may not pass 6%. Any console error,
uncaught exception or failed load fails it, and so does a step 3 whose
picture has no recorded kernel half (web_recorded()) or whose line under
the picture lacks its label. At the last step a what-if line is typed
(Tab): its new step must have no recording, and the step before must keep
its own. (Measured natively: step 3 drawn without the
recording, "kernel: n/a" in its rows, differs from render --recorded's in
55 rows.) Exit 0 passed, 1 failed, 77
skipped (chromium or the Python modules missing: scripts/setup --web).
Needs Debian's chromium, python3-websocket and python3-pil.
"""
import base64
import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

try:
    import websocket  # python3-websocket
    from PIL import Image, ImageChops  # python3-pil
except ImportError as e:
    print(f"web_chromium: skipped: {e} (scripts/setup --web installs it)")
    sys.exit(77)

SIZE = (1280, 720)
LESSON = "01-basics"
COMPARE_STEP = 3  # 1-based, as render names its files
MAX_ROWS = 4  # rows whose ink may differ by more than ROW_TOLERANCE
ROW_TOLERANCE = 0.05
MAX_SHARE = 0.06  # the share of pixels that may differ by more than 48


def fail(msg):
    print(f"web_chromium: FAIL: {msg}")
    sys.exit(1)


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


class Cdp:
    """One page's DevTools connection: calls, and the events kept."""

    def __init__(self, url):
        self.ws = websocket.create_connection(url, timeout=60)
        self.next_id = 0
        self.errors = []

    def _event(self, m):
        method, p = m.get("method"), m.get("params", {})
        if method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            args = " ".join(str(a.get("value", a.get("description", ""))) for a in p["args"])
            self.errors.append(f"console.{p['type']}: {args}")
        elif method == "Runtime.exceptionThrown":
            d = p["exceptionDetails"]
            self.errors.append("exception: " + d.get("exception", {}).get("description", d.get("text", "")))
        elif method == "Log.entryAdded" and p["entry"]["level"] == "error":
            self.errors.append(f"log: {p['entry']['text']} {p['entry'].get('url', '')}")

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            m = json.loads(self.ws.recv())
            if m.get("id") == self.next_id:
                if "error" in m:
                    fail(f"{method}: {m['error']}")
                return m.get("result", {})
            self._event(m)

    def eval(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True)
        return r.get("result", {}).get("value")

    def wait(self, expr, what, timeout_s=60.0):
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            if self.eval(expr):
                return
            time.sleep(0.1)
        fail(f"timed out after {timeout_s:.0f}s waiting for {what}; errors: {self.errors}")

    def type_text(self, text):
        # A key press with its text: SDL makes it an SDL_TEXTINPUT.
        for ch in text:
            self.call("Input.dispatchKeyEvent", type="keyDown", key=ch, text=ch)
            self.call("Input.dispatchKeyEvent", type="keyUp", key=ch)

    def key(self, key, code, vk):
        for kind in ("rawKeyDown", "keyUp"):
            self.call("Input.dispatchKeyEvent", type=kind, key=key, code=code,
                      windowsVirtualKeyCode=vk, nativeVirtualKeyCode=vk)


def row_ink(im):
    """Each pixel row's ink: the sum of its grey levels."""
    g = im.convert("L")
    w, h = g.size
    data = g.tobytes()
    return [sum(data[y * w:(y + 1) * w]) for y in range(h)]


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    site, binary = sys.argv[1], sys.argv[2]
    own_work = len(sys.argv) <= 3
    work = sys.argv[3] if not own_work else tempfile.mkdtemp(prefix="sockbuf-web-")
    chromium = shutil.which("chromium")
    if not chromium:
        print("web_chromium: skipped: chromium not installed (scripts/setup --web)")
        return 77
    if not os.path.exists(os.path.join(site, "sockbuf.wasm")):
        fail(f"{site}/sockbuf.wasm missing: run scripts/web")
    t0 = time.monotonic()

    # The native picture of the same step.
    native = os.path.join(work, "native")
    # The page draws the kernel's half recorded (recorded/LESSON.jsonl):
    # so does render, given the same recordings.
    r = subprocess.run([binary, "render", LESSON, "--sim", "--recorded",
                        os.path.join(site, "recorded"), "--lang", "en", "--size",
                        f"{SIZE[0]}x{SIZE[1]}", "--out", native], capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"render: {r.stderr}")

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                            functools.partial(Quiet, directory=site))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    port = httpd.server_address[1]

    profile = os.path.join(work, "profile")
    proc = subprocess.Popen([chromium, "--headless=new", "--no-sandbox", "--disable-gpu",
                             "--no-first-run", "--disable-extensions", "--remote-debugging-port=0",
                             "--remote-debugging-address=127.0.0.1", f"--user-data-dir={profile}",
                             f"--window-size={SIZE[0]},{SIZE[1] + 100}", "--force-device-scale-factor=1",
                             "about:blank"], stderr=subprocess.PIPE, text=True)
    try:
        dev_port = None
        end = time.monotonic() + 60
        while time.monotonic() < end and dev_port is None:
            line = proc.stderr.readline()
            if not line and proc.poll() is not None:
                break
            m = re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/", line)
            if m:
                dev_port = int(m.group(1))
        if dev_port is None:
            fail("chromium did not start its DevTools endpoint")
        threading.Thread(target=lambda: proc.stderr.read(), daemon=True).start()
        pages = json.load(urllib.request.urlopen(f"http://127.0.0.1:{dev_port}/json/list"))
        page = next(p for p in pages if p.get("type") == "page")
        cdp = Cdp(page["webSocketDebuggerUrl"])
        cdp.call("Runtime.enable")
        cdp.call("Log.enable")
        cdp.call("Page.enable")
        # The viewport holds the whole canvas and the page's bar, at 1:1.
        cdp.call("Emulation.setDeviceMetricsOverride", width=SIZE[0], height=SIZE[1] + 60,
                 deviceScaleFactor=1, mobile=False)
        url = (f"http://127.0.0.1:{port}/index.html?lesson={LESSON}&lang=en"
               f"&size={SIZE[0]}x{SIZE[1]}")
        cdp.call("Page.navigate", url=url)
        cdp.wait("typeof Module !== 'undefined' && Module.calledRun === true && "
                 "Module._web_step() >= 0", "the page to start the lesson")
        loaded = time.monotonic()
        nsteps = 0
        shot = None
        while True:
            cdp.wait("Module._web_progress() >= 1 || Module._web_asking()",
                     "the step's animation to end")
            if cdp.eval("Module._web_asking()"):
                # A question: a vote for A, then Space reveals and plays it.
                cdp.key("a", "KeyA", 65)
                cdp.key(" ", "Space", 32)
                cdp.wait("Module._web_progress() >= 1", "the revealed step's animation to end")
            step = cdp.eval("Module._web_step()")
            if step + 1 == COMPARE_STEP:
                # The animation ended; one more frame for it to be drawn.
                time.sleep(0.3)
                r = cdp.call("Page.captureScreenshot", format="png",
                             clip={"x": 0, "y": 0, "width": SIZE[0], "height": SIZE[1], "scale": 1})
                # The kernel's half, recorded: drawn in the picture (the
                # comparison with render --recorded checks its rows) and
                # labelled under it.
                time.sleep(0.5)
                if cdp.eval("Module._web_recorded()") != 1:
                    fail(f"step {COMPARE_STEP}: the page draws no recorded kernel half")
                kernel_line = cdp.eval("document.getElementById('kernel').textContent")
                for want in ("recorded on Linux", f"step {COMPARE_STEP}:", "in the picture"):
                    if want not in (kernel_line or ""):
                        fail(f"the kernel line at step {COMPARE_STEP} lacks {want!r}: {kernel_line!r}")
                shot = os.path.join(work, f"web-step-{COMPARE_STEP:02d}.png")
                with open(shot, "wb") as f:
                    f.write(base64.b64decode(r["data"]))
            nsteps = step + 1
            cdp.key("ArrowRight", "ArrowRight", 39)
            # The next step, or none within 5 s: the lesson is over.
            end = time.monotonic() + 5
            while time.monotonic() < end and cdp.eval("Module._web_step()") == step:
                time.sleep(0.05)
            if cdp.eval("Module._web_step()") == step:
                break
        # A typed what-if line after the last step: that new step has no
        # recording (the picture's kernel rows say so), the step before
        # keeps its own.
        if cdp.eval("Module._web_recorded()") != 1:
            fail(f"step {nsteps}: the page draws no recorded kernel half")
        cdp.key("Tab", "Tab", 9)
        time.sleep(0.5)  # a frame: the prompt turns SDL's text input on
        cdp.type_text("client: print('what if')")
        cdp.key("Enter", "Enter", 13)
        cdp.wait(f"Module._web_step() === {nsteps} && Module._web_session_steps() === 1",
                 "the typed line's step")
        if cdp.eval("Module._web_recorded()") != 0:
            fail("the typed line's step is drawn with a recording it never had")
        time.sleep(0.5)
        kernel_line = cdp.eval("document.getElementById('kernel').textContent") or ""
        if "no recording from the typed line on" not in kernel_line:
            fail(f"the typed step's line under the picture: {kernel_line!r}")
        cdp.key("ArrowLeft", "ArrowLeft", 37)
        cdp.wait(f"Module._web_step() === {nsteps - 1}", "the step before the typed one")
        if cdp.eval("Module._web_recorded()") != 1:
            fail(f"step {nsteps}, before the typed line, lost its recording")
        if cdp.errors:
            fail("the page logged errors:\n  " + "\n  ".join(cdp.errors))
        if nsteps < COMPARE_STEP or shot is None:
            fail(f"the page showed {nsteps} steps of {LESSON}, not step {COMPARE_STEP}")
        a = Image.open(shot).convert("RGB")
        b = Image.open(os.path.join(native, f"step-{COMPARE_STEP:02d}.png")).convert("RGB")
        if a.size != b.size:
            fail(f"sizes differ: the page {a.size}, render {b.size}")
        diff = ImageChops.difference(a, b).convert("L").point(lambda v: 255 if v > 48 else 0)
        bad = diff.histogram()[255]
        share = bad / (a.size[0] * a.size[1])
        rows = [y for y, (ia, ib) in enumerate(zip(row_ink(a), row_ink(b)))
                if abs(ia - ib) > ROW_TOLERANCE * max(ia, ib)]
        print(f"web_chromium: {LESSON}: {nsteps} steps in the page; step {COMPARE_STEP}: "
              f"{len(rows)} rows' ink differs from render's by over {ROW_TOLERANCE:.0%}, "
              f"{bad} pixels ({share:.3%}) by over 48 (page {shot})")
        print(f"web_chromium: page loaded in {loaded - t0:.1f}s, whole test {time.monotonic() - t0:.1f}s")
        if len(rows) > MAX_ROWS or share > MAX_SHARE:
            diff.save(os.path.join(work, "diff.png"))
            fail(f"step {COMPARE_STEP} differs from render's picture: {len(rows)} rows (at most "
                 f"{MAX_ROWS}; the first: {rows[:8]}), {share:.2%} of its pixels (at most "
                 f"{MAX_SHARE:.0%}); the difference: {work}/diff.png")
        print("web_chromium: passed")
        if own_work:
            shutil.rmtree(work, ignore_errors=True)  # kept when it fails, to look at
        return 0
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        httpd.shutdown()


if __name__ == "__main__":
    sys.exit(main())
