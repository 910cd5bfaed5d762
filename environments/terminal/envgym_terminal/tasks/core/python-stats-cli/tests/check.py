# Programs this check runs for the agent must not read it (expected answers are here): the process
# is made non-dumpable and its stdin (this file) is replaced; it also gives up (failing) well before
# the verifier's timeout, whatever those programs do.
import ctypes, os, signal
ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 0
os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
signal.alarm(40)
import os, subprocess
def run(cmd, **kw):
    kw.setdefault("timeout", 20)
    return subprocess.run(cmd, capture_output=True, text=True, **kw)
py = "/usr/bin/python3"
r1 = run([py, "stats.py"], input="3\n-1.5\n\n10\n4.25\n")
ok = r1.returncode == 0 and r1.stdout.split() == ["count=4", "mean=3.94", "max=10"]
r2 = run([py, "stats.py"], input="")
ok = ok and r2.returncode == 0 and r2.stdout.split() == ["count=0"]
r3 = run([py, "stats.py"], input="1\nabc\n")
ok = ok and r3.returncode == 2 and r3.stderr.strip() != "" and "count=" not in r3.stdout
r4 = run([py, "stats.py"], input="-7\n-2.50\n")
ok = ok and r4.returncode == 0 and r4.stdout.split() == ["count=2", "mean=-4.75", "max=-2.50"]
raise SystemExit(0 if ok else 1)
