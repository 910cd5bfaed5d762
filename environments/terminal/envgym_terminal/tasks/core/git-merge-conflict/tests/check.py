import subprocess
def git(*args, cwd="repo"):
    # The agent's repository config must not run anything here (fsmonitor, hooks, pagers, aliases).
    cmd = ["git", "-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null", "-c", "core.pager=cat", *args]
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=30)
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
