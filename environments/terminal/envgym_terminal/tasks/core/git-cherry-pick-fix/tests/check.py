import subprocess
def git(*args, cwd="repo"):
    # The agent's repository config must not run anything here (fsmonitor, hooks, pagers, aliases).
    cmd = ["git", "-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null", "-c", "core.pager=cat", *args]
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        raise SystemExit(1)
    return r.stdout
ok = git("rev-parse", "--abbrev-ref", "HEAD").strip() == "main" and git("status", "--porcelain").strip() == ""
ok = ok and git("show", "main:calc.py") == "def ratio(a, b):\n    return a / b if b else 0.0\n"
files = set(git("ls-tree", "--name-only", "main").split())
ok = ok and files == {"calc.py", "README.md"} and git("rev-list", "--count", "main").strip() == "3"
ok = ok and len(git("log", "-1", "--format=%P", "main").split()) == 1
raise SystemExit(0 if ok else 1)
