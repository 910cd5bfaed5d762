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
import tomllib
ok = git("rev-parse", "--abbrev-ref", "HEAD").strip() == "main" and git("status", "--porcelain").strip() == ""
parents = git("log", "-1", "--format=%P").split()
feature = git("rev-parse", "feature/timeouts").strip()
ok = ok and len(parents) == 2 and feature in parents
try:
    cfg = tomllib.loads(git("show", "HEAD:config.toml"))
except Exception:
    raise SystemExit(1)
ok = ok and cfg == {"client": {"url": "http://svc", "timeout": 30, "retries": 5, "keepalive": True}}
ok = ok and git("show", "HEAD:TIMEOUTS.md") == "docs\n" and "<<<<" not in open("repo/config.toml").read()
raise SystemExit(0 if ok else 1)
