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
from pathlib import Path
outs = sorted(Path("jobs").glob("*.txt.out"))
ok = len(outs) == 12 and all(p.is_file() and Path(str(p)[:-4]).is_file() for p in outs)  # no FIFO to block on
ok = ok and all(int(p.read_text()) == 2 * int(Path(str(p)[:-4]).read_text()) for p in outs)
ok = ok and Path("total.txt").is_file() and Path("total.txt").read_text().strip() == str(sum(2 * 7 * i for i in range(1, 13)))
conc = [int(x) for x in Path(".concurrency").read_text().split()] if Path(".concurrency").is_file() else []
ok = ok and len(conc) >= 12 and max(conc) <= 4 and max(conc) >= 2
raise SystemExit(0 if ok else 1)
