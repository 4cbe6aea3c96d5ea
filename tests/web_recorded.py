#!/usr/bin/python3
"""web_recorded.py: the browser page's recorded kernel half (web/recorded/,
scripts/web --record) still matches the kernel: each bundled lesson is run
again with `sockbuf run --transcript` and, step by step, every socket's
kernel byte counts (send queue, receive queue) must be the ones recorded,
and the lesson's segments must carry the same bytes each way in all. (In
all, not step by step: on a busy machine the last segments of a long
send are logged in the next step, 4,380 bytes of 04-file-send's step 5.) A lesson changed
since it was recorded (a step more or less, a socket renamed) fails too,
so the page never shows another lesson's kernel. The wire's segments are
compared only when both runs had the emulated wire.

Usage: tests/web_recorded.py SOCKBUF_BINARY SOURCE_DIR
Exit 0 passed, 1 failed (what differs, and: re-record with scripts/web --record).
"""
import json
import os
import subprocess
import sys
import tempfile

FIELDS = ("send_queue", "recv_queue")


def load(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def seg_bytes(real):
    out = {}
    for s in real.get("segments") or []:
        out[s["from"]] = out.get(s["from"], 0) + s.get("len", 0)
    return out


def main():
    binary, src = sys.argv[1], sys.argv[2]
    rec_dir = os.path.join(src, "web", "recorded")
    names = sorted(f[:-len(".lesson")] for f in os.listdir(os.path.join(src, "lessons"))
                   if f.endswith(".lesson"))
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            shipped = os.path.join(rec_dir, name + ".jsonl")
            if not os.path.exists(shipped):
                problems.append(f"{name}: no recording ({shipped})")
                continue
            fresh = os.path.join(tmp, name + ".jsonl")
            subprocess.run([binary, "run", os.path.join(src, "lessons", name + ".lesson"),
                            "--transcript", fresh], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            a, b = load(shipped), load(fresh)
            if len(a) != len(b):
                problems.append(f"{name}: {len(a)} steps recorded, {len(b)} now")
                continue
            wires = {(r.get("real", {}).get("wire")) for r in a + b}
            if wires == {"emulated"}:
                ta, tb = {}, {}
                for r in a:
                    for k, v in seg_bytes(r["real"]).items():
                        ta[k] = ta.get(k, 0) + v
                for r in b:
                    for k, v in seg_bytes(r["real"]).items():
                        tb[k] = tb.get(k, 0) + v
                if ta != tb:
                    problems.append(f"{name}: segment bytes recorded {ta}, now {tb}")
            for ra, rb in zip(a, b):
                step = ra["step"]
                sa, sb = ra.get("real", {}).get("sockets", {}), rb.get("real", {}).get("sockets", {})
                if sorted(sa) != sorted(sb):
                    problems.append(f"{name} step {step}: sockets {sorted(sa)} recorded, {sorted(sb)} now")
                    continue
                for sock in sa:
                    for field in FIELDS:
                        if sa[sock].get(field) != sb[sock].get(field):
                            problems.append(f"{name} step {step}: {sock}.{field} recorded "
                                            f"{sa[sock].get(field)}, now {sb[sock].get(field)}")
    if problems:
        print("web_recorded: the recorded kernel half differs from a fresh run "
              "(re-record with scripts/web --record):")
        for p in problems:
            print("  " + p)
        return 1
    print(f"web_recorded: {len(names)} lessons' recorded kernel byte counts match a fresh run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
