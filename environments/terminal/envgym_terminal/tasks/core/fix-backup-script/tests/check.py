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
w = tempfile.mkdtemp()
src = os.path.join(w, "my docs"); os.mkdir(src)
for name in ("a.txt", "b c.txt", "d  e.txt", "skip.md"):
    open(os.path.join(src, name), "w").write(name)
dest = os.path.join(w, "back up")
r = run(["bash", "backup.sh", src, dest])
got = sorted(os.listdir(dest)) if os.path.isdir(dest) else []
ok = r.returncode == 0 and r.stdout.strip() == "backed up 3 files" and got == ["a.txt", "b c.txt", "d  e.txt"]
ok = ok and open(os.path.join(dest, "d  e.txt")).read() == "d  e.txt"
raise SystemExit(0 if ok else 1)
