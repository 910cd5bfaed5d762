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
def attempt(sig, want_rc):
    p = subprocess.Popen(["bash", "job.sh"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "JOB_SECONDS": "30"})
    if not wait_for(lambda: os.path.exists("job.lock") and os.path.exists("scratch/progress")):
        p.kill(); return False
    time.sleep(0.3)
    p.send_signal(sig)
    try:
        rc = p.wait(timeout=3)
    except subprocess.TimeoutExpired:
        p.kill(); return False
    return rc == want_rc and not os.path.exists("job.lock") and not os.path.exists("scratch")
ok = attempt(signal.SIGTERM, 143) and attempt(signal.SIGINT, 130)
r = run(["bash", "job.sh"], env={**os.environ, "JOB_SECONDS": "1"})
ok = ok and r.returncode == 0 and "done" in r.stdout and not os.path.exists("job.lock") and not os.path.exists("scratch")
raise SystemExit(0 if ok else 1)
