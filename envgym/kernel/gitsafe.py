"""Hardened git: run git on a repository the agent controlled without running anything it planted.

A repository's own configuration (``.git/config`` and whatever it includes) can name programs that
ordinary, read-only git commands then run: ``core.fsmonitor`` (``git status``), hooks, ``gpg.program``
with ``log.showSignature`` (``git log``), ``diff.external`` and textconv drivers (``git diff``,
``git log -p``), clean/smudge filters (``git status``, ``git add``, checkouts), merge drivers,
credential helpers, askpass, ssh commands, remote helpers and transports (``git fetch``). A check
that calls plain ``git`` in the agent's repository would run the agent's code with the check's
rights. envgym's one way to call git there is ``SHIM``, a bash script that

* turns system and global configuration off (``GIT_CONFIG_NOSYSTEM``, ``GIT_CONFIG_GLOBAL=/dev/null``),
  disables prompts, pagers, editors and the environment's program variables;
* reads the repository's configuration names (``git config --list --includes --name-only``, which
  runs nothing; bounded in time, because a FIFO would block it) and
* overrides, through ``GIT_CONFIG_COUNT``/``GIT_CONFIG_KEY_n``/``GIT_CONFIG_VALUE_n`` (command-line
  scope: read last, so it wins, and inherited by every git process git starts), every key that
  names or triggers a program: the fixed ones and each driver, remote, tool or protocol the
  repository defines under a name of its choosing;
* then runs the real git with the caller's arguments.

Aliases never shadow a builtin command (git ignores such aliases), so they only matter for commands
that do not exist; they are emptied anyway. ``include``/``includeIf`` only read files: their keys are
enumerated with the rest and overridden like any other.

The verifier puts the shim first on a check's PATH as ``git`` (terminal tasks need not guard against
repository config); envgym code that runs git in a sandbox uses ``git_command``.

Example:
    >>> git_command("log", "--oneline")[:2], git_command("log", "--oneline")[-3:]
    (['bash', '-c'], ['git', 'log', '--oneline'])
"""

from __future__ import annotations

from pathlib import Path

SHIM = (Path(__file__).with_name("gitsafe_shim.sh")).read_text()


def git_command(*args: str) -> list[str]:
    """argv running ``git <args>`` through the shim (for ``Sandbox.exec``); the shim is passed
    inline, so nothing has to be written into the sandbox first."""
    return ["bash", "-c", SHIM, "git", *args]


def shim_file() -> str:
    """The shim as the content of an executable file named ``git`` (put its directory first on PATH)."""
    return "#!/bin/bash\n" + SHIM
