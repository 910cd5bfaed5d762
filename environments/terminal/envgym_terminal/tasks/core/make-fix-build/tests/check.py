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
run(["make", "clean"])
r = run(["make"], timeout=60)
ok = r.returncode == 0 and os.access("calc", os.X_OK)
ok = ok and run(["./calc", "2", "3"]).stdout.strip() == "hypot=3.606" and run(["./calc", "6", "8"]).stdout.strip() == "hypot=10.000"
ok = ok and run(["make", "clean"]).returncode == 0 and not os.path.exists("calc") and not any(f.endswith(".o") for f in os.listdir("."))
raise SystemExit(0 if ok else 1)
