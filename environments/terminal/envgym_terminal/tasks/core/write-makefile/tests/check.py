# Programs this check runs for the agent must not read it (expected answers are here): the process
# is made non-dumpable and its stdin (this file) is replaced; it also gives up (failing) well before
# the verifier's timeout, whatever those programs do.
import ctypes, os, signal
ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 0
os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
signal.alarm(40)
import os, subprocess, tempfile
def run(cmd, **kw):
    kw.setdefault("timeout", 20)
    return subprocess.run(cmd, capture_output=True, text=True, **kw)
import time
def compiled(out):
    return sorted(set(tok for line in out.splitlines() if " -c " in f" {line} " for tok in line.split() if tok.endswith(".c")))
def bump(path):
    t = time.time() + 5
    os.utime(path, (t, t))
if not os.path.isfile("Makefile"):
    raise SystemExit(1)
run(["make", "clean"])
r = run(["make"], timeout=60)
ok = r.returncode == 0 and os.access("bin/wordstat", os.X_OK) and all(os.path.isfile(f"build/{n}.o") for n in ("count", "report", "main"))
w = tempfile.mkdtemp(); p = os.path.join(w, "t.txt"); open(p, "w").write("a bb\nccc dddd e\n")
ok = ok and run(["bin/wordstat", p]).stdout.strip() == "lines=2 words=5 longest=dddd"
r2 = run(["make"]); ok = ok and r2.returncode == 0 and compiled(r2.stdout) == []
bump("src/report.c"); r3 = run(["make"]); ok = ok and compiled(r3.stdout) == ["src/report.c"]
time.sleep(0.01)
bump("include/report.h"); os.utime("src/report.c", (time.time(), time.time()))
r4 = run(["make"]); ok = ok and compiled(r4.stdout) == ["src/main.c", "src/report.c"]
r5 = run(["make", "clean"]); ok = ok and r5.returncode == 0 and not os.path.exists("build") and not os.path.exists("bin")
raise SystemExit(0 if ok else 1)
