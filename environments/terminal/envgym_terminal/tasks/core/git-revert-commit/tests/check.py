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
ok = git("rev-list", "--count", "main").strip() == "4"
subjects = git("log", "--format=%s", "main").splitlines()
ok = ok and subjects[1:] == ["Update a", "Break the build", "Initial"]
ok = ok and git("show", "main:build.mk") == "CFLAGS = -O2\n" and git("show", "main:a.txt") == "a2\n"
ok = ok and "b.txt" not in git("ls-tree", "--name-only", "main").split() and git("status", "--porcelain").strip() == ""
raise SystemExit(0 if ok else 1)
