"""The ``exact`` and ``regex`` graders: string matching on ``submission.answer``.

``exact`` config: ``answer`` (else ``task.private["answer"]``; a string or a list of accepted strings),
``case_sensitive`` (default True), ``strip`` (default True), ``collapse_whitespace`` (default True).

``regex`` config: ``pattern`` (else ``task.private["pattern"]``), ``flags`` (any of ``"i"``, ``"m"``,
``"s"``), ``full`` (default False: the pattern may match anywhere; True: it must match the whole
stripped answer). Answers longer than ``max_chars`` (default 100000) score 0. Patterns run on RE2
(``google-re2``), whose matching time is linear in the answer's length, so no answer can make a
pattern backtrack for ever; ``RE2_SYNTAX`` says which features that excludes.

Example:
    >>> from envgym.protocol import Task, Submission
    >>> t = Task(id="1", suite="demo", prompt="?", private={"answer": "Paris"})
    >>> ExactGrader(case_sensitive=False).grade_sync(t, Submission(answer="  paris ")).reward
    1.0
    >>> RegexGrader(pattern=r"(a+)+$").grade_sync(t, Submission(answer="a" * 40 + "!")).reward
    0.0
"""

from __future__ import annotations

import functools
from typing import Any

import re2
from pydantic import Field

from envgym.kernel.grader import Grader, ScoreConfig
from envgym.protocol import Grade, Submission, Task
from envgym.protocol.errors import GraderError

_FLAGS = frozenset("ims")
MAX_PATTERN_CHARS = 10_000
# RE2 runs in time O(len(answer) x size of the compiled pattern); below this product a call takes
# well under a millisecond and runs inline, above it in a bounded worker (envgym.kernel.bounded).
INLINE_COST = 2_000_000
# Exact matching is a few linear passes over the answer.
EXACT_INLINE_CHARS = 1_000_000
RE2_SYNTAX = (
    "RE2 syntax (https://github.com/google/re2/wiki/Syntax): literals, classes, \\d \\w \\s \\b, "
    "Unicode classes \\p{..}, anchors ^ $ \\A \\z, groups (named with (?P<name>...)), alternation, "
    "greedy and lazy repetition, counted repetition up to {1000}, inline flags (?i) (?m) (?s). "
    "Not accepted: backreferences (\\1), lookahead/lookbehind ((?=, (?!, (?<=, (?<!), "
    "possessive or atomic groups (a++, (?>...)), conditionals, recursion, \\Z (use \\z)"
)


Accepted = str | int | float | list[str | int | float] | None


class ExactConfig(ScoreConfig):
    answer: Accepted = Field(None, description="the accepted answer(s); default: task.private['answer']")
    case_sensitive: bool = Field(True, description="False: compare casefolded")
    strip: bool = Field(True, description="strip leading and trailing whitespace")
    collapse_whitespace: bool = Field(True, description="read each run of whitespace as one space")


class RegexConfig(ScoreConfig):
    pattern: str | None = Field(None, description="an RE2 pattern; default: task.private['pattern']")
    flags: str = Field("", description="any of i, m, s")
    full: bool = Field(False, description="True: the pattern must match the whole stripped answer")
    max_chars: int = Field(100_000, gt=0, description="longer answers score 0")


class ExactGrader(Grader):
    name = "exact"
    summary = "The answer equals the expected string (optionally case- and whitespace-insensitive)."
    requires = frozenset({"answer"})
    config_model = ExactConfig
    cfg: ExactConfig

    def _norm(self, text: str) -> str:
        if self.cfg.strip:
            text = text.strip()
        if self.cfg.collapse_whitespace:
            text = " ".join(text.split())
        if not self.cfg.case_sensitive:
            text = text.casefold()
        return text

    def score_is_cheap(self, task: Task, submission: Submission) -> bool:
        return len(submission.answer or "") <= EXACT_INLINE_CHARS

    def score(self, task: Task, submission: Submission) -> Grade:
        expected: Any = task.private.get("answer") if self.cfg.answer is None else self.cfg.answer
        if expected is None:
            raise GraderError(f"task {task.id!r} has no expected answer (config.answer or private.answer)")
        accepted = [str(e) for e in (expected if isinstance(expected, list) else [expected])]
        got = self._norm(submission.answer or "")
        ok = bool(got) and any(got == self._norm(a) for a in accepted)
        return Grade.binary(ok, {"accepted": len(accepted)})


@functools.lru_cache(maxsize=256)
def compile_pattern(pattern: str, flags: str = "") -> Any:
    """The RE2 program for ``pattern``; ``GraderError`` (naming what RE2 accepts) if it is not one."""
    if not isinstance(pattern, str) or not pattern:
        raise GraderError("the regex grader needs a non-empty pattern (config.pattern or private.pattern)")
    if len(pattern) > MAX_PATTERN_CHARS:
        raise GraderError(
            f"the pattern has {len(pattern)} characters; the regex grader accepts at most {MAX_PATTERN_CHARS}"
        )
    unknown = sorted(set(flags) - _FLAGS)
    if unknown:
        raise GraderError(f"unknown regex flag(s) {', '.join(map(repr, unknown))}; use i, m or s")
    options = re2.Options()
    options.log_errors = False
    try:
        return re2.compile(f"(?{''.join(sorted(set(flags)))}){pattern}" if flags else pattern, options)
    except re2.error as exc:
        message = exc.args[0].decode(errors="replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise GraderError(
            f"invalid pattern {pattern[:200]!r}: {message}. Accepted: {RE2_SYNTAX}", details={"pattern": pattern[:200]}
        ) from None


class RegexGrader(Grader):
    name = "regex"
    summary = "The answer matches a regular expression (RE2: linear time; anywhere, or in full)."
    requires = frozenset({"answer"})
    config_model = RegexConfig
    cfg: RegexConfig

    def __init__(self, **config: Any) -> None:
        super().__init__(**config)
        # a bad configured pattern is the caller's mistake, reported at once
        compile_pattern(self.cfg.pattern if self.cfg.pattern is not None else ".", self.cfg.flags)

    def _pattern(self, task: Task) -> str:
        pattern: str | None = self.cfg.pattern if self.cfg.pattern is not None else task.private.get("pattern")
        if not pattern:
            raise GraderError(f"task {task.id!r} has no pattern (config.pattern or private.pattern)")
        return pattern

    def score_is_cheap(self, task: Task, submission: Submission) -> bool:
        pattern = self.cfg.pattern if self.cfg.pattern is not None else task.private.get("pattern") or ""
        return len(submission.answer or "") * max(1, len(str(pattern))) <= INLINE_COST

    def score(self, task: Task, submission: Submission) -> Grade:
        compiled = compile_pattern(self._pattern(task), self.cfg.flags)
        answer = submission.answer or ""
        max_chars = self.cfg.max_chars
        if len(answer) > max_chars:
            return Grade(
                reward=0.0, passed=False, details={"reason": f"the answer is longer than {max_chars} characters"}
            )
        match = compiled.fullmatch(answer.strip()) if self.cfg.full else compiled.search(answer)
        return Grade.binary(match is not None, {"matched": match.group(0)[:200] if match else None})
