# Programs this check runs for the agent must not read it (expected answers are here): the process
# is made non-dumpable and its stdin (this file) is replaced; it also gives up (failing) well before
# the verifier's timeout, whatever those programs do.
import ctypes, os, signal
ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 0
os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
signal.alarm(40)
import os, signal, subprocess, time
def run(cmd, **kw):
    kw.setdefault("timeout", 20)
    return subprocess.run(cmd, capture_output=True, text=True, **kw)
def alive(pid):
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    try:  # a zombie counts as gone
        return open(f"/proc/{pid}/stat").read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False
def wait_for(pred, secs=5.0):
    end = time.time() + secs
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.05)
    return pred()
def svc(arg):
    return run(["./service.sh", arg])
if not os.access("service.sh", os.X_OK):
    raise SystemExit(1)
r = svc("status"); ok = r.returncode == 3 and r.stdout.strip() == "stopped"
r = svc("start"); ok = ok and r.returncode == 0 and r.stdout.strip() == "started"
pid = int(open("run/worker.pid").read().strip()) if os.path.isfile("run/worker.pid") else -1
ok = ok and pid > 0 and wait_for(lambda: alive(pid))
r = svc("status"); ok = ok and r.returncode == 0 and r.stdout.strip() == "running"
r = svc("start"); ok = ok and r.returncode == 0 and r.stdout.strip() == "already running"
ok = ok and os.path.isfile("run/worker.pid") and open("run/worker.pid").read().strip() == str(pid)
ok = ok and wait_for(lambda: os.path.isfile("run/worker.log") and "heartbeat" in open("run/worker.log").read(), 4)
r = svc("stop"); ok = ok and r.returncode == 0 and r.stdout.strip() == "stopped"
ok = ok and wait_for(lambda: not alive(pid)) and not os.path.exists("run/worker.pid")
r = svc("status"); ok = ok and r.returncode == 3
# A stale PID file (process gone) must read as stopped.
open("run/worker.pid", "w").write("999999\n")
r = svc("status"); ok = ok and r.returncode == 3 and r.stdout.strip() == "stopped"
r = svc("stop"); ok = ok and r.returncode == 0
raise SystemExit(0 if ok else 1)
