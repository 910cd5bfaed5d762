"""The ``exact`` and ``regex`` graders: string matching on ``submission.answer``.

``exact`` config: ``answer`` (else ``task.private["answer"]``; a string or a list of accepted strings),
``case_sensitive`` (default True), ``strip`` (default True), ``collapse_whitespace`` (default True).

``regex`` config: ``pattern`` (else ``task.private["pattern"]``), ``flags`` (any of ``"i"``, ``"m"``,
``"s"``), ``full`` (default False: the pattern may match anywhere; True: it must match the whole
stripped answer). Answers longer than ``max_chars`` (default 100000) score 0.

Example:
    >>> from envgym.protocol import Task, Submission
    >>> t = Task(id="1", suite="demo", prompt="?", private={"answer": "Paris"})
    >>> ExactGrader(case_sensitive=False).grade_sync(t, Submission(answer="  paris ")).reward
    1.0
"""

from __future__ import annotations

import re
from typing import Any

from envgym.context import EnvContext
from envgym.errors import GraderError
from envgym.grader import Grader
from envgym.protocol import Grade, Submission, Task
from envgym.sandbox.base import Sandbox

_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL}


class ExactGrader(Grader):
    name = "exact"
    summary = "The answer equals the expected string (optionally case- and whitespace-insensitive)."

    def _norm(self, text: str) -> str:
        if self.config.get("strip", True):
            text = text.strip()
        if self.config.get("collapse_whitespace", True):
            text = " ".join(text.split())
        if not self.config.get("case_sensitive", True):
            text = text.casefold()
        return text

    async def grade(self, task: Task, submission: Submission, *, sandbox: Sandbox | None = None,
                    context: EnvContext | None = None) -> Grade:
        expected: Any = self.config.get("answer", task.private.get("answer"))
        if expected is None:
            raise GraderError(f"task {task.id!r} has no expected answer (config.answer or private.answer)")
        accepted = [str(e) for e in (expected if isinstance(expected, list) else [expected])]
        got = self._norm(submission.answer or "")
        ok = bool(got) and any(got == self._norm(a) for a in accepted)
        return Grade.binary(ok, {"accepted": len(accepted)})


class RegexGrader(Grader):
    name = "regex"
    summary = "The answer matches a regular expression (anywhere, or in full)."

    async def grade(self, task: Task, submission: Submission, *, sandbox: Sandbox | None = None,
                    context: EnvContext | None = None) -> Grade:
        pattern = self.config.get("pattern", task.private.get("pattern"))
        if not pattern:
            raise GraderError(f"task {task.id!r} has no pattern (config.pattern or private.pattern)")
        flags = 0
        for letter in self.config.get("flags", ""):
            if letter not in _FLAGS:
                raise GraderError(f"unknown regex flag {letter!r}; use i, m or s")
            flags |= _FLAGS[letter]
        try:
            compiled = re.compile(pattern, flags)
        except re.error as exc:
            raise GraderError(f"invalid pattern {pattern!r}: {exc}") from exc
        answer = submission.answer or ""
        if len(answer) > int(self.config.get("max_chars", 100_000)):
            return Grade(reward=0.0, passed=False, details={"reason": "answer too long"})
        match = compiled.fullmatch(answer.strip()) if self.config.get("full", False) else compiled.search(answer)
        return Grade.binary(match is not None, {"matched": match.group(0)[:200] if match else None})
