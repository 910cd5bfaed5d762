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
p = os.path.join(w, "s.csv")
open(p, "w").write("name,qty,level\nzeta,2,12\nalpha,90,100\nbeta,7,10\ngamma,10,10\ndelta,95,100\nomega,0,10\n")
r = run(["/usr/bin/python3", "inventory.py", p])
want = ["alpha: 90/100", "omega: 0/10", "zeta: 2/12", "delta: 95/100", "beta: 7/10"]
ok = r.returncode == 0 and r.stdout.strip().splitlines() == want
r2 = run(["/usr/bin/python3", "inventory.py", "stock.csv"])
ok = ok and r2.stdout.strip().splitlines() == ["bolts: 5/20", "gears: 0/4", "screws: 9/10"]
raise SystemExit(0 if ok else 1)
