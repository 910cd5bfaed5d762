import subprocess
def git(*args, cwd="repo"):
    # The agent's repository config must not run anything here (fsmonitor, hooks, pagers, aliases).
    cmd = ["git", "-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null", "-c", "core.pager=cat", *args]
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        raise SystemExit(1)
    return r.stdout
ok = git("log", "-1", "--format=%s", "recovered").strip() == "Fix off-by-one in parser"
ok = ok and git("show", "recovered:src/parser.py") == 'def parse(s):\n    return s.split(",")\n'
ok = ok and "Add parser" in git("log", "--format=%s", "recovered")
ok = ok and git("log", "-1", "--format=%s", "main").strip() == "Add notes" and git("rev-list", "--count", "main").strip() == "2"
raise SystemExit(0 if ok else 1)
