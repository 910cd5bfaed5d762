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
ok = git("log", "-1", "--format=%s", "recovered").strip() == "Fix off-by-one in parser"
ok = ok and git("show", "recovered:src/parser.py") == 'def parse(s):\n    return s.split(",")\n'
ok = ok and "Add parser" in git("log", "--format=%s", "recovered")
ok = ok and git("log", "-1", "--format=%s", "main").strip() == "Add notes" and git("rev-list", "--count", "main").strip() == "2"
raise SystemExit(0 if ok else 1)
