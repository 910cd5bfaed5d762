"""Hardened git (envgym/kernel/gitsafe.py), one test per configuration key that can run a program.

Each case: the agent's repository sets the key to a program that writes a marker. Plain git runs it
(so the attack is real), the shim does not; and the same command through the shim works on the same
repository without the key (the control). These run git on the host: the shim is the same script a
check gets first on its PATH in the sandbox (tests/terminal/test_integrity_verifier.py checks that).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

from envgym.kernel.gitsafe import git_command, shim_file

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

IDENTITY = {
    "GIT_AUTHOR_NAME": "a",
    "GIT_AUTHOR_EMAIL": "a@x",
    "GIT_COMMITTER_NAME": "a",
    "GIT_COMMITTER_EMAIL": "a@x",
    "GIT_AUTHOR_DATE": "2000-01-01T00:00:00Z",
    "GIT_COMMITTER_DATE": "2000-01-01T00:00:00Z",
}


@dataclass
class Env:
    root: Path
    marker: Path
    evil: Path
    bin: Path  # holds the shim as `git`

    def base_env(self) -> dict[str, str]:
        return {
            "PATH": os.environ["PATH"],
            "HOME": str(self.root / "home"),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": "/dev/null",
            "LANG": "C.UTF-8",
            "TERM": "dumb",
            **IDENTITY,
        }

    def run(
        self,
        repo: Path,
        args: list[str],
        *,
        shim: bool,
        stdin: str | None = None,
        tty: bool = False,
        env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess:
        run_env = {**self.base_env(), **(env or {})}
        if shim:
            run_env["PATH"] = f"{self.bin}:{run_env['PATH']}"
        if tty:  # a pager only starts when stdout is a terminal: `script` gives git one
            argv = ["script", "-qec", " ".join(["git", *args]), "/dev/null"]
        else:
            argv = ["git", *args]
        return subprocess.run(argv, cwd=repo, env=run_env, input=stdin, capture_output=True, text=True, timeout=60)

    def git(self, repo: Path, *args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=repo, env=self.base_env(), check=True, capture_output=True, text=True, timeout=60
        ).stdout


@pytest.fixture
def env(tmp_path: Path) -> Env:
    marker = tmp_path / "marker"
    evil = tmp_path / "evil.sh"
    evil.write_text(f'#!/bin/sh\necho "ran: $0 $*" >> {marker}\nexec cat "$@"\n')
    evil.chmod(0o755)
    shim_dir = tmp_path / "bin"
    shim_dir.mkdir()
    (shim_dir / "git").write_text(shim_file())
    (shim_dir / "git").chmod(0o755)
    (tmp_path / "home").mkdir()
    return Env(tmp_path, marker, evil, shim_dir)


def new_repo(env: Env, name: str) -> Path:
    repo = env.root / name
    repo.mkdir()
    env.git(repo, "init", "-q", "-b", "main")
    (repo / "a.txt").write_text("one\n")
    env.git(repo, "add", "a.txt")
    env.git(repo, "commit", "-q", "-m", "first")
    return repo


def config(env: Env, repo: Path, key: str, value: str) -> None:
    env.git(repo, "config", key, value)


def signed_head(env: Env, repo: Path, armor: str) -> None:
    """Replace HEAD by a commit carrying a signature block of the given kind (contents need not verify:
    git hands any signature to the configured program)."""
    tree = env.git(repo, "rev-parse", "HEAD^{tree}").strip()
    parent = env.git(repo, "rev-parse", "HEAD").strip()
    body = (
        f"tree {tree}\nparent {parent}\nauthor a <a@x> 946684800 +0000\ncommitter a <a@x> 946684800 +0000\n"
        f"gpgsig -----BEGIN {armor}-----\n \n AAAA\n -----END {armor}-----\n\nsigned\n"
    )
    sha = subprocess.run(
        ["git", "hash-object", "-t", "commit", "-w", "--stdin"],
        cwd=repo,
        input=body,
        env=env.base_env(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    env.git(repo, "update-ref", "HEAD", sha)


def attributes(repo: Path, line: str) -> None:
    (repo / ".gitattributes").write_text(line + "\n")


def bare_remote(env: Env, repo: Path) -> Path:
    remote = env.root / f"{repo.name}-remote.git"
    env.git(env.root, "clone", "-q", "--bare", str(repo), str(remote))
    env.git(repo, "remote", "add", "origin", str(remote))
    return remote


@dataclass
class Case:
    args: list[str]
    attack: Callable[[Env, Path], None]
    prepare: Callable[[Env, Path], None] = lambda env, repo: None
    ok: Callable[[subprocess.CompletedProcess], bool] = lambda r: r.returncode == 0
    stdin: str | None = None
    tty: bool = False
    extra_env: dict[str, str] = field(default_factory=dict)
    same: bool = True  # the hardened run of the attacked repository behaves as the control


def _modify(env: Env, repo: Path) -> None:
    (repo / "a.txt").write_text("two\n")


def _same_size_edit(env: Env, repo: Path) -> None:
    # Same size, new content: git must read the file (through the clean filter) to see the change.
    (repo / "a.txt").write_text("uno\n")


def _branches_for_merge(env: Env, repo: Path) -> None:
    attributes(repo, "a.txt merge=drv")
    env.git(repo, "add", ".gitattributes")
    env.git(repo, "commit", "-q", "-m", "attrs")
    env.git(repo, "checkout", "-q", "-b", "side")
    (repo / "a.txt").write_text("side\n")
    env.git(repo, "commit", "-q", "-am", "side")
    env.git(repo, "checkout", "-q", "main")
    (repo / "a.txt").write_text("main\n")
    env.git(repo, "commit", "-q", "-am", "main")


def _hooks_dir(env: Env, repo: Path) -> None:
    hooks = env.root / "hooks"
    hooks.mkdir(exist_ok=True)
    shutil.copy(env.evil, hooks / "post-commit")
    config(env, repo, "core.hooksPath", str(hooks))


def _default_hook(env: Env, repo: Path) -> None:
    shutil.copy(env.evil, repo / ".git" / "hooks" / "post-commit")


def _include(env: Env, repo: Path) -> None:
    extra = env.root / "included.cfg"
    extra.write_text(f"[core]\n\tfsmonitor = {env.evil}\n")
    config(env, repo, "include.path", str(extra))


def _include_if(env: Env, repo: Path) -> None:
    extra = env.root / "included-if.cfg"
    extra.write_text(f"[core]\n\tfsmonitor = {env.evil}\n")
    config(env, repo, f"includeIf.gitdir:{repo}/.git.path", str(extra))


def _remote_helper(env: Env, repo: Path) -> None:
    helper_dir = env.root / "helpers"
    helper_dir.mkdir(exist_ok=True)
    shutil.copy(env.evil, helper_dir / "git-remote-evil")
    config(env, repo, "remote.origin.url", "evil::somewhere")


def _borrowing_repo(env: Env, repo: Path) -> None:
    # A repository that borrows objects from another (objects/info/alternates) offers the other's
    # refs as "haves" when it fetches, listed by core.alternateRefsCommand if that is set.
    lender = new_repo(env, f"{repo.name}-lender")
    (repo / ".git" / "objects" / "info" / "alternates").write_text(f"{lender}/.git/objects\n")
    bare_remote(env, repo)


CASES: dict[str, Case] = {
    "core.fsmonitor": Case(["status", "--short"], lambda e, r: config(e, r, "core.fsmonitor", str(e.evil))),
    "core.hooksPath": Case(["commit", "-q", "--allow-empty", "-m", "x"], _hooks_dir),
    "hooks (default .git/hooks)": Case(["commit", "-q", "--allow-empty", "-m", "x"], _default_hook),
    "core.pager": Case(["log", "--oneline"], lambda e, r: config(e, r, "core.pager", str(e.evil)), tty=True),
    "pager.<command>": Case(["log", "--oneline"], lambda e, r: config(e, r, "pager.log", str(e.evil)), tty=True),
    "core.editor": Case(
        ["commit", "-q", "--allow-empty", "-m", "x", "--edit"], lambda e, r: config(e, r, "core.editor", str(e.evil))
    ),
    "sequence.editor": Case(
        ["rebase", "-q", "-i", "HEAD~1"],
        lambda e, r: config(e, r, "sequence.editor", str(e.evil)),
        prepare=lambda e, r: e.git(r, "commit", "-q", "--allow-empty", "-m", "second"),
    ),
    "gpg.program + log.showSignature": Case(
        ["log", "-1", "--format=%s"],
        lambda e, r: (config(e, r, "gpg.program", str(e.evil)), config(e, r, "log.showSignature", "true")),
        prepare=lambda e, r: signed_head(e, r, "PGP SIGNATURE"),
    ),
    "gpg.openpgp.program": Case(
        ["log", "-1", "--format=%s"],
        lambda e, r: (config(e, r, "gpg.openpgp.program", str(e.evil)), config(e, r, "log.showSignature", "true")),
        prepare=lambda e, r: signed_head(e, r, "PGP SIGNATURE"),
    ),
    "gpg.x509.program": Case(
        ["log", "-1", "--format=%s"],
        lambda e, r: (config(e, r, "gpg.x509.program", str(e.evil)), config(e, r, "log.showSignature", "true")),
        prepare=lambda e, r: signed_head(e, r, "SIGNED MESSAGE"),
    ),
    "gpg.ssh.program": Case(
        ["log", "-1", "--format=%s"],
        lambda e, r: (
            config(e, r, "gpg.ssh.program", str(e.evil)),
            config(e, r, "log.showSignature", "true"),
            config(e, r, "gpg.ssh.allowedSignersFile", str(e.root / "signers")),
        ),
        prepare=lambda e, r: signed_head(e, r, "SSH SIGNATURE"),
    ),
    "commit.gpgSign": Case(
        ["commit", "-q", "--allow-empty", "-m", "x"],
        lambda e, r: (config(e, r, "commit.gpgSign", "true"), config(e, r, "gpg.program", str(e.evil))),
    ),
    "gpg.ssh.defaultKeyCommand": Case(
        ["commit", "-q", "--allow-empty", "-m", "x"],
        lambda e, r: (
            config(e, r, "commit.gpgSign", "true"),
            config(e, r, "gpg.format", "ssh"),
            config(e, r, "gpg.ssh.defaultKeyCommand", str(e.evil)),
        ),
    ),
    "diff.external": Case(
        ["diff"],
        lambda e, r: config(e, r, "diff.external", str(e.evil)),
        prepare=_modify,
        ok=lambda r: r.returncode == 0 and "+two" in r.stdout,
    ),
    "diff.<driver>.textconv": Case(
        ["log", "-p", "-1", "--format=%s"],
        lambda e, r: config(e, r, "diff.drv.textconv", str(e.evil)),
        prepare=lambda e, r: (
            attributes(r, "*.txt diff=drv"),
            _modify(e, r),
            e.git(r, "commit", "-q", "-am", "change"),
        ),
        ok=lambda r: r.returncode == 0 and "+two" in r.stdout,
    ),
    "diff.<driver>.command": Case(
        ["diff"],
        lambda e, r: config(e, r, "diff.drv.command", str(e.evil)),
        prepare=lambda e, r: (attributes(r, "*.txt diff=drv"), _modify(e, r)),
        ok=lambda r: r.returncode == 0 and "+two" in r.stdout,
    ),
    "filter.<driver>.clean": Case(
        ["status", "--short"],
        lambda e, r: config(e, r, "filter.Drv.clean", str(e.evil)),
        prepare=lambda e, r: (attributes(r, "*.txt filter=Drv"), _same_size_edit(e, r)),
        ok=lambda r: r.returncode == 0 and "a.txt" in r.stdout,
    ),
    "filter.<driver>.smudge": Case(
        ["checkout", "--", "a.txt"],
        lambda e, r: config(e, r, "filter.drv.smudge", str(e.evil)),
        prepare=lambda e, r: (attributes(r, "*.txt filter=drv"), (r / "a.txt").unlink()),
        ok=lambda r: r.returncode == 0,
    ),
    "filter.<driver>.process": Case(
        ["add", "a.txt"],
        lambda e, r: config(e, r, "filter.drv.process", str(e.evil)),
        prepare=lambda e, r: (attributes(r, "*.txt filter=drv"), _modify(e, r)),
    ),
    "merge.<driver>.driver": Case(
        ["merge", "-q", "--no-edit", "side"],
        lambda e, r: config(e, r, "merge.drv.driver", str(e.evil)),
        prepare=_branches_for_merge,
        ok=lambda r: "CONFLICT" in r.stdout,
    ),
    # Without a helper, and with prompts off, git cannot get a password: it says so (the control).
    "credential.helper": Case(
        ["credential", "fill"],
        lambda e, r: config(e, r, "credential.helper", str(e.evil)),
        stdin="protocol=https\nhost=example.org\nusername=u\n\n",
        ok=lambda r: "could not read Password" in r.stderr,
    ),
    "credential.<url>.helper": Case(
        ["credential", "fill"],
        lambda e, r: config(e, r, "credential.https://example.org.helper", str(e.evil)),
        stdin="protocol=https\nhost=example.org\nusername=u\n\n",
        ok=lambda r: "could not read Password" in r.stderr,
    ),
    "core.askPass": Case(
        ["credential", "fill"],
        lambda e, r: config(e, r, "core.askPass", str(e.evil)),
        stdin="protocol=https\nhost=example.org\n\n",
        ok=lambda r: "could not read Username" in r.stderr,
    ),
    # No network here: the control's ssh fails to resolve the host, as it should; what matters is
    # that it is ssh, not the repository's program.
    "core.sshCommand": Case(
        ["fetch", "-q", "origin"],
        lambda e, r: config(e, r, "core.sshCommand", str(e.evil)),
        prepare=lambda e, r: config(e, r, "remote.origin.url", "ssh://example.invalid/x.git"),
        ok=lambda r: "example.invalid" in r.stderr,
    ),
    "core.gitProxy": Case(
        ["fetch", "-q", "origin"],
        lambda e, r: (config(e, r, "core.gitProxy", str(e.evil)), config(e, r, "protocol.git.allow", "always")),
        prepare=lambda e, r: config(e, r, "remote.origin.url", "git://example.invalid/x.git"),
        ok=lambda r: "example.invalid" in r.stderr,
    ),
    "remote.<name>.uploadpack": Case(
        ["fetch", "-q", "origin"],
        lambda e, r: config(e, r, "remote.origin.uploadpack", str(e.evil)),
        prepare=bare_remote,
    ),
    "remote.<name>.receivepack": Case(
        ["push", "-q", "origin", "main:pushed"],
        lambda e, r: config(e, r, "remote.origin.receivepack", str(e.evil)),
        prepare=bare_remote,
    ),
    "protocol.ext.allow (ext:: transport)": Case(
        ["fetch", "-q", "origin"],
        lambda e, r: (
            config(e, r, "protocol.ext.allow", "always"),
            config(e, r, "remote.origin.url", f"ext::{e.evil} %S"),
        ),
        prepare=bare_remote,
        same=False,
    ),
    "remote helper (evil::url)": Case(
        ["fetch", "-q", "origin"], _remote_helper, prepare=bare_remote, extra_env={"PATH_PREFIX": "helpers"}, same=False
    ),
    "core.alternateRefsCommand": Case(
        ["fetch", "-q", "origin"],
        lambda e, r: config(e, r, "core.alternateRefsCommand", str(e.evil)),
        prepare=_borrowing_repo,
    ),
    # A tool the repository defines is emptied, so difftool refuses it (the control: it is unknown).
    "difftool.<tool>.cmd": Case(
        ["difftool", "-y", "--tool=drv"],
        lambda e, r: config(e, r, "difftool.drv.cmd", f"{e.evil} $LOCAL"),
        prepare=_modify,
        ok=lambda r: r.returncode != 0 and "drv" in r.stderr,
    ),
    "alias.<name> (not a builtin)": Case(
        ["lg"], lambda e, r: config(e, r, "alias.lg", f"!{e.evil}"), ok=lambda r: "not a git command" in r.stderr
    ),
    "include.path": Case(["status", "--short"], _include),
    "includeIf.<condition>.path": Case(["status", "--short"], _include_if),
}


@pytest.mark.parametrize("key", list(CASES))
def test_repository_config_runs_nothing_through_the_shim(env: Env, key: str):
    case = CASES[key]
    extra = dict(case.extra_env)
    if extra.pop("PATH_PREFIX", None):
        extra["PATH"] = f"{env.root / 'helpers'}:{os.environ['PATH']}"

    def build(name: str, attacked: bool) -> Path:
        repo = new_repo(env, name)
        case.prepare(env, repo)
        if attacked:
            case.attack(env, repo)
        return repo

    env.run(build("plain", True), case.args, shim=False, stdin=case.stdin, tty=case.tty, env=extra)
    assert env.marker.exists(), (
        f"the attack via {key} did not run a program even with plain git: the test proves nothing"
    )
    env.marker.unlink()

    hardened = env.run(build("hardened", True), case.args, shim=True, stdin=case.stdin, tty=case.tty, env=extra)
    assert not env.marker.exists(), f"{key}: the shim ran the repository's program: {env.marker.read_text()}"
    # Neutralised, not broken: git does what it would do without the key.
    assert not case.same or case.ok(hardened), (
        key,
        hardened.returncode,
        hardened.stdout[-500:],
        hardened.stderr[-500:],
    )

    control = env.run(build("control", False), case.args, shim=True, stdin=case.stdin, tty=case.tty, env=extra)
    assert case.ok(control), (key, control.returncode, control.stdout[-500:], control.stderr[-500:])
    assert not env.marker.exists()


def test_aliases_never_shadow_builtins_even_without_the_shim(env: Env):
    """Why aliases need no override for the commands checks run: git ignores an alias named like a builtin."""
    repo = new_repo(env, "r")
    config(env, repo, "alias.status", f"!{env.evil}")
    config(env, repo, "alias.log", f"!{env.evil}")
    assert env.run(repo, ["status", "--short"], shim=False).returncode == 0
    assert env.run(repo, ["log", "--oneline"], shim=False).returncode == 0
    assert not env.marker.exists()


def test_a_fifo_as_included_config_stops_git_instead_of_hanging(env: Env):
    repo = new_repo(env, "r")
    os.mkfifo(env.root / "fifo.cfg")
    config(env, repo, "include.path", str(env.root / "fifo.cfg"))
    result = env.run(repo, ["status"], shim=True, env={"ENVGYM_GIT_CONFIG_TIMEOUT_S": "1"})
    assert result.returncode == 128 and "could not be read in time" in result.stderr


def test_submodule_filters_do_not_run_through_the_shim(env: Env):
    """git status looks inside submodules with a git of their own, whose config names drivers."""
    sub = new_repo(env, "sub")
    attributes(sub, "*.txt filter=drv")
    env.git(sub, "add", ".gitattributes")
    env.git(sub, "commit", "-q", "-m", "attrs")
    top = new_repo(env, "top")
    env.git(top, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub), "sub")
    env.git(top, "commit", "-q", "-m", "sub")
    env.git(top / "sub", "config", "filter.drv.clean", str(env.evil))
    env.git(top, "config", "-f", ".gitmodules", "submodule.sub.ignore", "none")
    (top / "sub" / "a.txt").write_text("uno\n")
    env.run(top, ["status", "--short"], shim=False)
    assert env.marker.exists()
    env.marker.unlink()
    (top / "sub" / "a.txt").write_text("dos\n")
    result = env.run(top, ["status", "--short"], shim=True)
    assert result.returncode == 0 and not env.marker.exists()


def test_inline_git_command_is_the_same_shim(env: Env):
    repo = new_repo(env, "r")
    config(env, repo, "core.fsmonitor", str(env.evil))
    result = subprocess.run(
        git_command("-C", str(repo), "status", "--short"),
        env=env.base_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and not env.marker.exists()
