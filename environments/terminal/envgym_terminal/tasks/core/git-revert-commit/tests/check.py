import subprocess
def git(*args, cwd="repo"):
    # The agent's repository config must not run anything here (fsmonitor, hooks, pagers, aliases).
    cmd = ["git", "-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null", "-c", "core.pager=cat", *args]
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        raise SystemExit(1)
    return r.stdout
ok = git("rev-list", "--count", "main").strip() == "4"
subjects = git("log", "--format=%s", "main").splitlines()
ok = ok and subjects[1:] == ["Update a", "Break the build", "Initial"]
ok = ok and git("show", "main:build.mk") == "CFLAGS = -O2\n" and git("show", "main:a.txt") == "a2\n"
ok = ok and "b.txt" not in git("ls-tree", "--name-only", "main").split() and git("status", "--porcelain").strip() == ""
raise SystemExit(0 if ok else 1)
