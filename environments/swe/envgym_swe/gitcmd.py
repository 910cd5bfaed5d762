"""git on repositories the agent controlled, without running anything the agent put there.

The agent owns ``<workdir>/.git`` (config with ``diff.external``, filter drivers, ``gpg.program``,
hooks, ``core.fsmonitor``, attributes in ``info/``...). The diff is therefore computed with a git
directory made fresh at grading time: its config is git's default, and it reads the repository's
objects as *alternates* only. Attributes in the work tree may still name filter or diff drivers,
but a driver does nothing unless config defines it, and no config the agent wrote is read. System
and global config are off as well.

Every git call also goes through envgym's hardened git (``envgym.kernel.gitsafe``, issue 14): a shell
function ``git_safe`` runs its shim inline, which overrides every configuration key that could start
a program. Scripts built here start with ``PRELUDE``, which defines it.

Example:
    >>> env = git_env("/tmp/g")
    >>> env["GIT_CONFIG_GLOBAL"], env["GIT_CONFIG_NOSYSTEM"]
    ('/dev/null', '1')
    >>> script("git_safe status").startswith(PRELUDE)
    True
"""

from __future__ import annotations

import shlex

from envgym.kernel.gitsafe import SHIM

PRELUDE = f'__envgym_git_shim={shlex.quote(SHIM)}\ngit_safe() {{ bash -c "$__envgym_git_shim" git "$@"; }}\n'
GIT = "git_safe"
# Fixed identity and dates: the same commit made in two containers has the same hash.
COMMIT_ENV = {
    "GIT_AUTHOR_NAME": "envgym",
    "GIT_AUTHOR_EMAIL": "envgym@localhost",
    "GIT_AUTHOR_DATE": "2000-01-01T00:00:00+0000",
    "GIT_COMMITTER_NAME": "envgym",
    "GIT_COMMITTER_EMAIL": "envgym@localhost",
    "GIT_COMMITTER_DATE": "2000-01-01T00:00:00+0000",
}


def git_env(home: str) -> dict[str, str]:
    """Environment for every git call: no system or global config, a private HOME, no prompts."""
    return {
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": "/dev/null",
        "HOME": home,
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_PAGER": "cat",
        "PAGER": "cat",
        "GIT_OPTIONAL_LOCKS": "0",
    }


def diff_script(workdir: str, base: str, out_dir: str) -> str:
    """A bash script printing nothing but writing ``out_dir/patch.diff``: the agent's work tree
    (tracked and untracked files, ``.gitignore`` respected) against ``base``, as a binary diff."""
    q, b, o = shlex.quote(workdir), shlex.quote(base), shlex.quote(out_dir)
    return (
        PRELUDE + "set -euo pipefail\n"
        f"{GIT} init -q {o}/g\n"
        f"export GIT_DIR={o}/g/.git GIT_WORK_TREE={q} GIT_ALTERNATE_OBJECT_DIRECTORIES={q}/.git/objects\n"
        f"{GIT} read-tree {b}\n"
        f"{GIT} add -A\n"
        f"{GIT} diff --cached --binary --no-color --no-ext-diff --no-textconv --full-index {b} > {o}/patch.diff\n"
        f"stat -c %s {o}/patch.diff\n"
    )


def script(body: str) -> str:
    """A bash script that may call ``git_safe``."""
    return PRELUDE + body
