"""Reading the agent's change with git, on the host: programs the repository's config names never run,
and the diff holds the work tree's real change (tracked and untracked files)."""

from __future__ import annotations

import subprocess

from envgym_swe import gitcmd


def sh(cmd, cwd, **kw):
    return subprocess.run(
        cmd,
        cwd=cwd,
        shell=True,
        check=True,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(cwd), **gitcmd.COMMIT_ENV},
        **kw,
    )


def test_diff_ignores_the_repositorys_programs(tmp_path):
    repo, out, marker = tmp_path / "testbed", tmp_path / "out", tmp_path / "ran"
    repo.mkdir()
    out.mkdir()
    sh("git init -q && printf 'a\\n' > a.txt && git add -A && git commit -qm base", repo)
    base = sh("git rev-parse HEAD", repo).stdout.strip()
    for key, value in [
        ("filter.evil.clean", f"touch {marker}; sed s/a/FORGED/"),
        ("diff.external", f"touch {marker}"),
        ("core.fsmonitor", f"touch {marker}; false"),
        ("core.hooksPath", str(tmp_path)),
    ]:
        sh(f"git config {key} '{value}'", repo)
    (repo / ".git" / "info" / "attributes").write_text("* filter=evil diff=evil\n")
    sh("printf 'b\\n' >> a.txt && printf 'new\\n' > new.txt", repo)
    script = gitcmd.diff_script(str(repo), base, str(out))
    run = subprocess.run(
        ["bash", "-c", script],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", **gitcmd.git_env(str(out))},
    )
    assert run.returncode == 0, run.stderr
    diff = (out / "patch.diff").read_text()
    assert not marker.exists()
    assert "+b" in diff and "+new" in diff and "FORGED" not in diff
    # The agent's repository is left as it was: the diff used a git directory of its own.
    assert sh("git status --porcelain", repo).stdout.count("??") == 1
