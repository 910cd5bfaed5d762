# Programs this check runs for the agent must not read it (expected answers are here): the process
# is made non-dumpable and its stdin (this file) is replaced; it also gives up (failing) well before
# the verifier's timeout, whatever those programs do.
import ctypes, os, signal
ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 0
os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
signal.alarm(40)
import subprocess
def git(*args, cwd="repo"):
    # During verification `git` is envgym's hardened git (docs/integrity.md): nothing the agent's
    # repository config names (hooks, fsmonitor, filters, diff drivers, gpg...) runs.
    r = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=15, stdin=subprocess.DEVNULL)
    if r.returncode != 0:
        raise SystemExit(1)
    return r.stdout
from pathlib import Path
want = git("log", "--format=%H", "--grep=^Change 5$").strip()
p = Path("leak_commit.txt")
raise SystemExit(0 if want and p.is_file() and p.read_text().strip() == want else 1)
