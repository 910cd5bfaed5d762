import subprocess
def git(*args, cwd="repo"):
    # The agent's repository config must not run anything here (fsmonitor, hooks, pagers, aliases).
    cmd = ["git", "-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null", "-c", "core.pager=cat", *args]
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        raise SystemExit(1)
    return r.stdout
from pathlib import Path
want = git("log", "--format=%H", "--grep=^Change 5$").strip()
p = Path("leak_commit.txt")
raise SystemExit(0 if want and p.is_file() and p.read_text().strip() == want else 1)
