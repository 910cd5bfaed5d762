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
ok = os.access("greet.sh", os.X_OK)
cases = [(["-n", "Ada"], "Hello, Ada!"), (["-u", "-n", "Ada"], "HELLO, ADA!"), (["-n", "Bo Li", "-u"], "HELLO, BO LI!"), ([], "Hello, world!")]
for args, want in cases:
    r = run(["./greet.sh", *args]) if ok else None
    ok = ok and r.returncode == 0 and r.stdout.strip() == want
r = run(["./greet.sh", "-x"]) if ok else None
ok = ok and r.returncode == 1 and r.stderr.strip() != "" and r.stdout.strip() == ""
raise SystemExit(0 if ok else 1)
