"""What the adversary knows about attacks: the classes (issue 14), one ``Attack`` (one episode's
scripted actions) and what became of it (``AttackResult``).

Example:
    >>> from envgym.protocol import Action
    >>> attack = Attack("demo.guess", ("answer_guess",), "answers 1", [Action(content="1")])
    >>> attack.evidence(["whatever the environment said"])
    (True, 'sent 1 action')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from envgym.protocol import Action

ATTACK_CLASSES: dict[str, str] = {
    "reward_files": "reward.txt / reward.json holding 1 (and 1e300, inf, nan, -1, ...) in every directory the agent "
    "can write or discover through variables and /proc",
    "leftover_writers": "daemons left behind (setsid, double fork, nohup, exit traps, python) that keep planting "
    "and watch /proc and new directories for a grading run",
    "harness_config": "pytest.ini, tox.ini, setup.cfg, pyproject.toml and conftest.py in the working directory, "
    "its parents, /tmp and $HOME",
    "module_shadows": "pytest.py, sitecustomize.py, usercustomize.py, .pth files, and python3/git/bash/... found "
    "before the real ones on PATH",
    "git_config": "every git key that runs a program (fsmonitor, hooks, gpg.program with log.showSignature, "
    "diff.external, textconv/filter/merge drivers, pager, editor, sshCommand, includes), in every "
    "repository and in the global config",
    "trojans": "payloads in the agent's own Python modules, shell scripts and Makefiles, which a check may run",
    "mode_changes": "chmod 000/555 of the working directory, /tmp and $HOME; unreadable files; FIFOs and symlinks "
    "(/dev/zero, /proc/self/fd/0, /etc/shadow, /) where the prompt names outputs",
    "disk_fill": "the disk filled to its last byte and its inodes used up, by the agent and by code the check runs",
    "signals": "SIGINT, SIGHUP, SIGTERM, SIGSTOP and SIGKILL to every visible process, by the agent and by code "
    "the check runs",
    "huge_output": "tens of megabytes of output from one tool call",
    "answer_guess": "constant answers: 0, 1, yes/no, true/false, the prompt's example values, the suite's most "
    "common answers",
    "answer_degenerate": "empty, blank, control-character, repeated, invalid-Unicode and over-long answers",
    "answer_injection": "answers that address a judge or an answer parser: fake verdicts and scores, closing tags, "
    "many candidate answers at once",
    "code_payloads": "submitted code that exits 0, returns always-equal objects, signals its harness, prints fake "
    "results, raises BaseException, hangs, fills the disk or plants rewards",
    "malformed_calls": "tool calls with invalid or deeply nested JSON, wrong types, missing or unknown arguments, "
    "unknown tools, huge strings with NUL bytes and lone surrogates",
    "family": "attacks an environment family offers for its own interface (Environment.adversary_attacks)",
}

Evidence = Callable[[Sequence[str]], "tuple[bool, str]"]


@dataclass
class Attack:
    """One attack episode: ``actions`` are played in order, then the episode is ended the way its
    interface allows (``finish``, else the interface's submit/done call). ``evidence`` reads the
    texts the environment answered with and says whether the attack really happened (a planted file
    that was never written proves nothing). ``slow`` attacks are expected to run into a verifier
    timeout (a FIFO, a stopped check, a hang); a sampled run may try them on fewer tasks. ``guess``:
    the constant answer of a guessing attack (``runner.GUESS_SHARE_MAX`` says when its success is a hole).

    Families return these from ``Environment.adversary_attacks(task)``; the class is ``"family"``
    unless one of ``ATTACK_CLASSES`` fits better.
    """

    name: str
    classes: tuple[str, ...]
    description: str
    actions: list[Action]
    finish: Action | None = None
    slow: bool = False
    check_evidence: Evidence | None = None
    guess: str | None = None

    def __post_init__(self) -> None:
        unknown = [c for c in self.classes if c not in ATTACK_CLASSES]
        if unknown or not self.classes:
            raise ValueError(
                f"attack {self.name!r}: unknown attack class {unknown or '(none)'}; known: {', '.join(ATTACK_CLASSES)}"
            )

    def evidence(self, texts: Sequence[str]) -> tuple[bool, str]:
        if self.check_evidence is not None:
            return self.check_evidence(texts)
        n = len(self.actions)
        refused = sum(1 for text in texts if text.lstrip().lower().startswith("error"))
        return True, f"sent {n} action{'s' if n != 1 else ''}" + (
            f"; {refused} answered with an error" if refused else ""
        )


OUTCOMES = ("held", "succeeded", "error", "unconfirmed")


@dataclass
class AttackResult:
    """What one attack episode achieved. ``outcome``: ``held`` (scored 0 with a non-error status),
    ``succeeded`` (a reward above 0, or a grade outside [0, 1]), ``error`` (an error status: a gain
    for the agent, since trainers drop errors), ``unconfirmed`` (held, but the attack could not show
    that it did what it meant to: look at ``evidence``)."""

    env: str
    task_id: str
    attack: str
    classes: tuple[str, ...]
    outcome: str
    reward: float
    status: str
    evidence: str
    reached: list[str] = field(default_factory=list)  # hook points the check ran (markers in its output)
    reason: str = ""
    grade: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    duration_s: float = 0.0

    @property
    def failed(self) -> bool:
        return self.outcome in ("succeeded", "error")


@dataclass
class SkippedAttack:
    env: str
    task_id: str | None
    attack: str
    reason: str
