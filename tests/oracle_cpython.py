#!/usr/bin/env python3
"""oracle_cpython.py: CPython as the oracle of sockbuf's Python semantics.

Runs each lesson's statements on real CPython sockets over loopback, in
SPEC.md's step order and blocking, and compares what Python sees with
sockbuf's transcript (`sockbuf run LESSON --transcript FILE`) in both modes:

  - every statement's status at the end of its step (done, blocked,
    pending, error: NAME);
  - the lines print() wrote in each step;
  - the value of every variable an expectation names (len(x), error too);
    floats (clock readings) by whether the expectation holds;
  - the kernel counters Python can read on its own sockets (SIOCINQ,
    SIOCOUTQ, SIOCOUTQNSD, TCP_INFO's state and tcpi_snd_wnd,
    SO_SNDBUF/SO_RCVBUF) against the real mode's, and the TCP state
    against both modes'. Figures that depend on timing (bytes in flight,
    the peer's window) or on the kernel's buffer autotuning (SO_SNDBUF,
    SO_RCVBUF) are compared by whether the expectation holds;
  - a plain `expect` on a counter must hold in CPython too.

Each side runs in its own thread with its own namespace; every statement is
wrapped as SPEC.md says (an exception is recorded, `error` names it, and
the side goes on). A statement still running after the others have been
quiet for BLOCK_S is blocked; its side's later statements wait behind it.
A lesson that differs is run once more, both sides afresh, with the quiet
stretched to RECHECK_BLOCK_S: on a loaded machine a CPython thread can sit
descheduled for BLOCK_S and look blocked. Only what still differs counts.
`('localhost', 8080)` is mapped to a free port, so lessons run in parallel.
f.buffered is not compared: BufferedWriter does not tell it.

Usage: oracle_cpython.py SOCKBUF LESSON... ; exit 0 when nothing differs,
1 when something does (each difference is printed), 2 on a usage error.
Called by ctest (tests/CMakeLists.txt).
"""
import ast
import builtins
import fcntl
import io
import json
import os
import queue
import re
import socket as _socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import types

BLOCK_S = 0.06          # quiet this long while a statement runs: it is blocked
RECHECK_BLOCK_S = 0.4   # the same, when a lesson that differed runs again
SETTLE_POLL_S = 0.001   # as sockbuf's real mode: sampled every millisecond until
SETTLE_QUIET = 3        # unchanged this many samples when nothing is in flight,
SETTLE_FLIGHT = 60      # this many while bytes wait for an ACK,
SETTLE_MAX_S = 0.5      # at most this long
SIOCINQ, SIOCOUTQ, SIOCOUTQNSD = 0x541B, 0x5411, 0x894B
STATES = [None, "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT",
          "CLOSED", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "SYN_RECV"]
COUNTERS = ("state", "send_queue", "unsent", "in_flight", "recv_queue", "sndbuf", "rcvbuf",
            "peer_window", "blocked")
# compared by whether the expectation holds: timing, and the kernel's buffer autotuning
TIMING = ("in_flight", "unsent", "send_queue", "peer_window", "sndbuf", "rcvbuf")
SIDES = ("client", "server")

# ------------------------------------------------------------ the lesson


class Lesson:
    def __init__(self, path):
        self.path = path
        self.files = {}
        self.steps = []   # each: list of ("stmt", side, line, code) | ("wait", s) | ("expect", ...)
        self.kinds = {}   # expectation line -> "expect" | "expect.sim" | "expect.real" | "answer"
        self.exprs = {}   # expectation line -> (side, lhs, op, value text)
        for no, raw in enumerate(open(path, encoding="utf-8").read().splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            word, _, rest = line.partition(" ")
            rest = rest.strip()
            if word == "file":
                name, _, spec = rest.partition(" ")
                self.files[name] = file_content(spec.strip())
            elif word == "step":
                self.steps.append([])
            elif word in ("client:", "server:"):
                self.steps[-1].append(("stmt", word[:-1], no, rest))
            elif word == "wait":
                self.steps[-1].append(("wait", duration_s(rest)))
            elif word in ("expect", "expect.sim", "expect.real", "expect.wire", "answer"):
                if word == "answer":
                    rest = rest.partition(" ")[2].strip()
                side, _, cond = rest.partition(":")
                m = re.match(r"(.+?)\s*(==|!=|<=|>=|<|>)\s*(.+)$", strip_comment(cond.strip()))
                self.kinds[no] = word
                self.exprs[no] = (side.strip(), m.group(1).strip(), m.group(2), m.group(3).strip())


def strip_comment(text):
    quote = None
    for i, c in enumerate(text):
        if quote:
            if c == "\\":
                continue
            if c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif c == "#":
            return text[:i].rstrip()
    return text


def file_content(spec):
    if spec.startswith('"'):
        return ast.literal_eval(spec).encode("utf-8")
    m = re.match(r"(\d+)\s*(KiB|MiB)?$", spec)
    n = int(m.group(1)) * {None: 1, "KiB": 1024, "MiB": 1 << 20}[m.group(2)]
    pat = b"sockbuf example data: 0123456789 abcdefghijklmnopqrstuvwxyz.\n"
    return (pat * (n // len(pat) + 1))[:n]


def duration_s(text):
    m = re.match(r"([\d.]+)\s*(us|ms|s)$", text)
    return float(m.group(1)) * {"us": 1e-6, "ms": 1e-3, "s": 1.0}[m.group(2)]

# ------------------------------------------------------------ one CPython run


class Run:
    """The lesson's statements on CPython, step by step."""

    def __init__(self, lesson, block_s=BLOCK_S):
        self.lesson = lesson
        self.block_s = block_s
        self.timeouts = {}  # id(socket) -> its settimeout() value: a call may be quiet that long
        self.ports = {}
        self.lock = threading.Lock()
        self.last_event = time.monotonic()
        self.refused = self._closed_port()
        self.sides = {s: Side(self, s) for s in SIDES}

    def _closed_port(self):
        t = _socket.socket()
        t.bind(("127.0.0.1", 0))
        port = t.getsockname()[1]
        t.close()
        return port

    def socket_module(self):
        run = self

        def real_addr(addr, binding):
            host, port = addr
            if host not in ("", "localhost", "127.0.0.1"):
                raise OSError("only loopback in a lesson")
            if binding:
                return ("127.0.0.1", run.ports.get(port, 0) if port else 0)
            return ("127.0.0.1", run.ports.get(port, run.refused))

        def free_port():
            t = _socket.socket()
            t.bind(("127.0.0.1", 0))
            port = t.getsockname()[1]
            t.close()
            return port

        class socket(_socket.socket):
            def bind(self, addr):
                # A lesson port is bound by number, as the lesson's own
                # bind(8080) is: Linux keeps an explicitly bound port when
                # a listener stops (shutdown(SHUT_RD)), not one bound as 0.
                if addr[1] and addr[1] not in run.ports:
                    for _ in range(8):
                        try:
                            super().bind(("127.0.0.1", free_port()))
                            break
                        except OSError as e:
                            if e.errno != 98:
                                raise
                    else:
                        super().bind(real_addr(addr, True))
                    run.ports[addr[1]] = self.getsockname()[1]
                    return
                super().bind(real_addr(addr, True))

            def connect(self, addr):
                return super().connect(real_addr(addr, False))

            def settimeout(self, value):
                super().settimeout(value)
                run.timeouts[id(self)] = self.gettimeout()

            def setblocking(self, flag):
                super().setblocking(flag)
                run.timeouts[id(self)] = self.gettimeout()

        def create_connection(address, timeout=_socket._GLOBAL_DEFAULT_TIMEOUT,
                              source_address=None):
            # socket.py's, for the one IPv4 address a lesson's host means
            sock = socket(_socket.AF_INET, _socket.SOCK_STREAM)
            try:
                if timeout is not _socket._GLOBAL_DEFAULT_TIMEOUT:
                    sock.settimeout(timeout)
                if source_address:
                    sock.bind(source_address)
                sock.connect(address)
                return sock
            except BaseException:
                sock.close()
                raise

        def create_server(address, *, family=_socket.AF_INET, backlog=None, reuse_port=False,
                          dualstack_ipv6=False):
            # socket.py's on Linux: SO_REUSEADDR, bind, listen
            sock = socket(family, _socket.SOCK_STREAM)
            try:
                sock.setsockopt(_socket.SOL_SOCKET, _socket.SO_REUSEADDR, 1)
                try:
                    sock.bind(address)
                except OSError as err:
                    raise OSError(err.errno, "%s (while attempting to bind on address %r)"
                                  % (err.strerror, address)) from None
                if backlog is None:
                    sock.listen()
                else:
                    sock.listen(backlog)
                return sock
            except OSError:
                sock.close()
                raise

        mod = types.ModuleType("socket")
        mod.__dict__.update({k: v for k, v in _socket.__dict__.items() if not k.startswith("__")})
        mod.socket = socket
        mod.create_connection = create_connection
        mod.create_server = create_server
        return mod

    def event(self):
        with self.lock:
            self.last_event = time.monotonic()

    def quiesce(self, timeouts=False):
        """Until every side is idle or blocked (running, all quiet BLOCK_S).
        With timeouts (a step's end), a call on a socket with a timeout is
        blocked only once quiet longer than that timeout: it may time out,
        as sockbuf's runner waits for it to."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            busy = [s for s in self.sides.values() if s.busy()]
            if not busy:
                return
            quiet = self.block_s
            if timeouts:
                quiet += max([t for t in self.timeouts.values() if t] or [0])
            if all(s.current for s in busy) and time.monotonic() - self.last_event > quiet:
                return
            time.sleep(0.002)

    def sockets(self):
        """{"side.name": socket} of every socket variable, as sockbuf names them."""
        out = {}
        for side in SIDES:
            for name, v in list(self.sides[side].ns.items()):
                if isinstance(v, _socket.socket):
                    out["%s.%s" % (side, name)] = v
        return out

    def counters(self, sock, side):
        c = {"blocked": self.sides[side].blocked_on(sock)}
        if sock.fileno() < 0:
            c["state"] = "CLOSED"
            return c
        info = sock.getsockopt(_socket.IPPROTO_TCP, _socket.TCP_INFO, 256)
        c["state"] = STATES[info[0]] if info[0] < len(STATES) else "?"
        c["sndbuf"] = sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_SNDBUF)
        c["rcvbuf"] = sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_RCVBUF)
        if c["state"] == "LISTEN":
            c.update(send_queue=0, unsent=0, in_flight=0, recv_queue=0)
        else:
            def ioctl(req):
                try:
                    return struct.unpack("i", fcntl.ioctl(sock.fileno(), req, b"\0" * 4))[0]
                except OSError:
                    return 0
            c["send_queue"] = ioctl(SIOCOUTQ)
            c["unsent"] = ioctl(SIOCOUTQNSD)
            c["in_flight"] = c["send_queue"] - c["unsent"]
            c["recv_queue"] = ioctl(SIOCINQ)
        # struct tcp_info: tcpi_snd_wnd is the u32 at offset 228 (Linux 5.4+)
        c["peer_window"] = struct.unpack_from("I", info, 228)[0] if len(info) >= 232 else None
        return c

    def snapshot(self):
        return {k: self.counters(s, k.split(".")[0]) for k, s in self.sockets().items()}

    def settle(self):
        self.quiesce()
        start, last, stable = time.monotonic(), None, 0
        while time.monotonic() - start < SETTLE_MAX_S:
            snap = self.snapshot()
            stable = stable + 1 if snap == last else 0
            last = snap
            flight = any(c.get("send_queue") for c in snap.values())
            if stable >= (SETTLE_FLIGHT if flight else SETTLE_QUIET):
                break
            time.sleep(SETTLE_POLL_S)
        self.quiesce(timeouts=True)

    def step(self, items):
        recs = []
        for side in SIDES:
            self.sides[side].printed = []
        waited = False
        for it in items:
            if it[0] == "stmt":
                rec = Stmt(it[2], it[3])
                recs.append((it[1], rec))
                self.sides[it[1]].submit(rec)
                self.quiesce()
            elif it[0] == "wait":
                self.quiesce()
                time.sleep(it[1])
                waited = True
        if waited:
            self.quiesce(timeouts=True)
        else:
            self.settle()
        return recs

    def stop(self):
        for s in self.sockets().values():
            try:
                s.shutdown(_socket.SHUT_RDWR)
            except OSError:
                pass
        for side in self.sides.values():
            side.q.put(None)
        time.sleep(0.05)
        for s in self.sockets().values():
            s.close()


class Stmt:
    def __init__(self, line, code):
        self.line, self.code, self.status = line, code, "pending"


class Side:
    def __init__(self, run, name):
        self.run, self.name = run, name
        self.q = queue.Queue()
        self.current = None
        self.queued = 0
        self.error = "None"
        self.printed = []
        self.files = run.lesson.files
        bi = dict(builtins.__dict__)
        mod = run.socket_module()

        def _import(name, *a, **k):
            return mod if name == "socket" else builtins.__import__(name, *a, **k)

        def _print(*args, **k):
            # print() itself, for sep= and end=; one call is one line, its
            # line-ending newline dropped (sockbuf's transcript)
            out = io.StringIO()
            builtins.print(*args, **k, file=out)
            text = out.getvalue()
            self.printed.append(text[:-1] if text.endswith("\n") else text)

        def _open(name, mode="r", *a, **k):
            if name not in self.files:
                raise FileNotFoundError(name)
            return io.BytesIO(self.files[name])
        bi.update(__import__=_import, print=_print, open=_open)
        self.ns = {"__builtins__": bi, "socket": mod, "time": time}
        threading.Thread(target=self.loop, daemon=True).start()

    def busy(self):
        return self.queued > 0 or self.current is not None

    def submit(self, rec):
        self.queued += 1
        self.q.put(rec)

    def blocked_on(self, sock):
        rec = self.current
        if not rec:
            return False
        m = re.match(r"\s*(?:\w+\s*(?:,\s*\w+\s*)?=\s*)?(\w+)\.", rec.code)
        obj = self.ns.get(m.group(1)) if m else None
        raw = getattr(obj, "raw", obj)
        return obj is sock or getattr(raw, "_sock", None) is sock

    def loop(self):
        while True:
            rec = self.q.get()
            if rec is None:
                return
            self.current = rec
            self.queued -= 1
            rec.status = "running"
            self.run.event()
            try:
                exec(compile(rec.code, "<lesson:%d>" % rec.line, "exec"), self.ns)
                rec.status = "done"
            except BaseException as e:  # a statement that raises: the side goes on
                rec.status = "error: " + type(e).__name__
                self.error = type(e).__name__
            self.current = None
            self.run.event()

# ------------------------------------------------------------ comparing


def got_text(v):
    if isinstance(v, bytearray) and len(v) > 24:
        return "bytearray(%s)" % got_text(bytes(v))
    if isinstance(v, (bytes, str)) and len(v) > 24:
        kind = "bytes" if isinstance(v, bytes) else "chars"
        head = repr(v)
        return "%d %s %s...%s" % (len(v), kind, head[:24], head[-1])
    if isinstance(v, str):
        return v
    return repr(v)


def holds(a, op, b):
    if isinstance(a, str) and isinstance(b, str) and b == "FIN_WAIT":
        a = "FIN_WAIT" if a.startswith("FIN_WAIT") else a
    try:
        return {"==": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
    except TypeError:
        return False


class Compare:
    def __init__(self, name):
        self.name = name
        self.values = 0
        self.diffs = []

    def check(self, what, ours, python):
        self.values += 1
        if ours != python:
            self.diffs.append("%s: %s: sockbuf %r, CPython %r" % (self.name, what, ours, python))


def py_value(run, side, lhs, snap):
    """(value, kind): kind 'var', 'float', 'counter', 'skip'."""
    ns = run.sides[side].ns
    if lhs == "error":
        return run.sides[side].error, "var"
    m = re.match(r"len\((\w+)\)$", lhs)
    if m:
        return (len(ns[m.group(1)]) if m.group(1) in ns else None), "var"
    m = re.match(r"(\w+)\.(\w+)$", lhs)
    if m:
        obj, attr = ns.get(m.group(1)), m.group(2)
        if attr not in COUNTERS or not isinstance(obj, _socket.socket):
            return None, "skip"
        return snap.get("%s.%s" % (side, m.group(1)), {}).get(attr), "counter"
    if lhs not in ns:
        return None, "var"
    v = ns[lhs]
    if isinstance(v, int) and type(v) not in (int, bool):
        # socket.MSG_PEEK | socket.MSG_DONTWAIT is an IntFlag: sockbuf's
        # constants are plain ints (the same value; print() shows both alike)
        v = int(v)
    if isinstance(v, str):
        return v, "str"  # a lesson's own str: shown as its repr
    return v, "float" if isinstance(v, float) else "var"


def py_operand(run, side, text):
    ns = run.sides[side].ns
    if re.match(r"[A-Za-z_]\w*$", text) and text not in ("True", "False", "None"):
        return ns[text] if text in ns else text
    return ast.literal_eval(text)


def compare(lesson, run, step_no, recs, tr, cmp):
    snap = run.snapshot()
    py_status = {rec.line: ("blocked" if rec.status == "running" else rec.status)
                 for _, rec in recs}
    for mode in ("sim", "real"):
        tag = "step %d (%s)" % (step_no, mode)
        for st in tr["statements"]:
            cmp.check("%s line %d %s: status" % (tag, st["line"], st["code"]), st.get(mode),
                      py_status.get(st["line"]))
        printed = tr[mode].get("printed", {})
        for side in SIDES:
            cmp.check("%s %s printed" % (tag, side), printed.get(side, []),
                      run.sides[side].printed)
        for k, sv in tr[mode].get("sockets", {}).items():
            pv = snap.get(k)
            if pv is None:
                continue
            cmp.check("%s %s.state" % (tag, k), sv["state"], pv["state"])
            if mode == "real" and pv["state"] != "CLOSED":
                for f in ("recv_queue", "blocked"):
                    cmp.check("%s %s.%s" % (tag, k, f), sv[f], pv[f])
    for ex in tr.get("expects", []):
        kind = lesson.kinds.get(ex["line"])
        if kind == "expect.wire":
            # A claim about the emulated link's timing: CPython runs on
            # loopback, where it cannot hold; its model half is exact.
            if ex["mode"] == "real":
                continue
            kind = "expect.sim"
        side, lhs, op, val = lesson.exprs[ex["line"]]
        tag = "step %d line %d (%s): %s" % (step_no, ex["line"], ex["mode"], ex["expr"])
        v, vk = py_value(run, side, lhs, snap)
        if vk == "skip":
            continue
        try:
            want = py_operand(run, side, val)
        except (ValueError, SyntaxError):
            want = val
        model = ex["mode"] == "sim" and kind == "expect.sim"
        if vk == "float" and not model:
            cmp.check(tag + " holds", ex["ok"], holds(v, op, want))
        elif vk == "var" and ex["mode"] == "sim" and type(v) is int:
            # a count the model's buffer sizes decide: a plain claim must hold in both
            if not model:
                cmp.check(tag + " holds", ex["ok"], holds(v, op, want))
        elif vk == "var" and type(v) is int and op in ("<", "<=", ">", ">="):
            # A bound on a count, not the count: the author wrote a bound
            # because the link and the moment decide the number (what a
            # send() interrupted by a reset had copied: loopback here, the
            # emulated wire there). The claim must hold in both.
            cmp.check(tag + " holds", ex["ok"], holds(v, op, want))
        elif vk == "var":
            cmp.check(tag, ex["got"], got_text(v))
        elif vk == "str":
            cmp.check(tag, ex["got"], repr(v) if len(v) <= 24 else got_text(v))
        elif ex["mode"] == "real" or lhs.endswith((".state", ".blocked")):
            if lhs.split(".")[1] in TIMING:
                cmp.check(tag + " holds", ex["ok"], holds(v, op, want))
            else:
                cmp.check(tag, ex["got"], got_text(v))
        elif kind in ("expect", "answer"):
            cmp.check(tag + " holds on Linux", True, holds(v, op, want))


def oracle_lesson(sockbuf, path, block_s):
    """(Compare, None) after running the lesson in sockbuf and in CPython,
    or (None, message) when sockbuf could not run it."""
    lesson = Lesson(path)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "t.jsonl")
        p = subprocess.run([sockbuf, "run", path, "--transcript", out],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if p.returncode not in (0, 1) or not os.path.exists(out):
            return None, "%s: sockbuf run failed: %s" % (path, p.stderr.strip())
        trs = [json.loads(x) for x in open(out)]
    run = Run(lesson, block_s)
    cmp = Compare(os.path.basename(path))
    try:
        for i, items in enumerate(lesson.steps):
            recs = run.step(items)
            compare(lesson, run, i + 1, recs, trs[i], cmp)
    finally:
        run.stop()
    return cmp, None


def main(argv):
    if len(argv) < 3:
        print("usage: oracle_cpython.py SOCKBUF LESSON...", file=sys.stderr)
        return 2
    sockbuf, total, diffs = argv[1], 0, []
    for path in argv[2:]:
        cmp, failed = oracle_lesson(sockbuf, path, BLOCK_S)
        if cmp is not None and cmp.diffs:
            first = len(cmp.diffs)
            cmp, failed = oracle_lesson(sockbuf, path, RECHECK_BLOCK_S)
            if cmp is not None:
                print("%s: %d differed with %.0f ms of quiet; run again with %.0f ms: %d differ"
                      % (cmp.name, first, BLOCK_S * 1000, RECHECK_BLOCK_S * 1000, len(cmp.diffs)))
        if failed:
            diffs.append(failed)
            continue
        print("%s: %d values compared, %d differ" % (cmp.name, cmp.values, len(cmp.diffs)))
        total += cmp.values
        diffs += cmp.diffs
    for d in diffs:
        print("DIFFERS " + d)
    print("oracle: %d values compared with CPython %s, %d differ"
          % (total, sys.version.split()[0], len(diffs)))
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
