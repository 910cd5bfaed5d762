import subprocess
def git(*args, cwd="repo"):
    # The agent's repository config must not run anything here (fsmonitor, hooks, pagers, aliases).
    cmd = ["git", "-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null", "-c", "core.pager=cat", *args]
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        raise SystemExit(1)
    return r.stdout
ok = git("log", "-1", "--format=%s").strip() == "Update docs and add changelog"
ok = ok and git("rev-list", "--count", "HEAD").strip() == "2" and git("status", "--porcelain").strip() == ""
ok = ok and set(git("ls-files").split()) == {"README.md", "VERSION", "CHANGELOG.md"}
ok = ok and git("show", "HEAD:README.md") == "# Project\n\nNow with docs.\n" and git("rev-parse", "--abbrev-ref", "HEAD").strip() == "main"
raise SystemExit(0 if ok else 1)
