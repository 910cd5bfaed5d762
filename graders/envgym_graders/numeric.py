"""The ``numeric`` grader: is the answer the expected number, within a tolerance?

Which part of the answer is read: the content of the last ``\\boxed{...}`` if there is one; else the
whole answer if it parses as a number; else the last number in the text. Forms understood:
integers and decimals, ``1,000`` / ``1{,}000`` thousands separators, scientific ``1.5e-3`` and
``1.5 \\times 10^{3}``, fractions ``3/4``, ``\\frac{3}{4}`` (also ``\\dfrac``/``\\tfrac``, with a sign in
front), a leading ``$`` or trailing units-free ``%``. A percentage ``p%`` matches when either ``p`` or
``p/100`` equals the expected value. Comparison is exact for two rationals when both tolerances are
0, otherwise ``math.isclose(rel_tol, abs_tol)``.

Config: ``answer`` (else ``task.private["answer"]``; a number or a string in any form above),
``rel_tol`` (default 1e-6), ``abs_tol`` (default 1e-9).

Example:
    >>> parse_number("\\\\frac{1}{2}"), parse_number("1,000"), parse_number("The answer is \\\\boxed{-3/4}.")
    (Fraction(1, 2), Fraction(1000, 1), Fraction(-3, 4))
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Any

from envgym.context import EnvContext
from envgym.errors import GraderError
from envgym.grader import Grader
from envgym.protocol import Grade, Submission, Task
from envgym.sandbox.base import Sandbox

_NUM = r"[-+]?(?:\d+(?:,\d{3})*(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_FRAC = re.compile(r"^([-+]?)\\[dt]?frac\{([^{}]+)\}\{([^{}]+)\}$")
_SLASH = re.compile(rf"^({_NUM})\s*/\s*({_NUM})$")
_TIMES = re.compile(rf"^({_NUM})\s*(?:\\times|\\cdot|\*|x)\s*10\^\{{?([-+]?\d+)\}}?$")
_ANY_NUMBER = re.compile(rf"[-+]?\\[dt]?frac\{{[^{{}}]+\}}\{{[^{{}}]+\}}|{_NUM}(?:\s*/\s*{_NUM})?%?")


def _boxed(text: str) -> str | None:
    start = text.rfind("\\boxed{")
    if start < 0:
        return None
    depth, i = 0, start + len("\\boxed")
    for j in range(i, len(text)):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            depth -= 1
            if depth == 0:
                return text[i + 1:j]
    return None


def _clean(text: str) -> str:
    text = text.strip().strip(".").strip()
    text = text.replace("{,}", ",").replace("\\!", "").replace("\\,", "").replace("$", "").replace("\\%", "%")
    text = re.sub(r"\\(?:left|right)", "", text)
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    return text.replace(" ", "") if re.fullmatch(r"[-+]?\d{1,3}(?: \d{3})+(?:\.\d+)?", text) else text


def _plain(token: str) -> Fraction:
    return Fraction(token.replace(",", ""))


def parse_exact(text: str) -> tuple[Fraction, bool] | None:
    """``(value, is_percent)`` if ``text`` is one number in a known form, else None."""
    text = _clean(text)
    percent = text.endswith("%")
    if percent:
        text = text[:-1].strip()
    try:
        if m := _FRAC.match(text):
            num, den = parse_exact(m.group(2)), parse_exact(m.group(3))
            if num is None or den is None or den[0] == 0:
                return None
            value = num[0] / den[0]
            return (-value if m.group(1) == "-" else value), percent
        if m := _SLASH.match(text):
            den = _plain(m.group(2))
            return (_plain(m.group(1)) / den, percent) if den != 0 else None
        if m := _TIMES.match(text):
            return _plain(m.group(1)) * Fraction(10) ** int(m.group(2)), percent
        if re.fullmatch(_NUM, text):
            return _plain(text), percent
    except (ValueError, ZeroDivisionError):
        return None
    return None


def parse_answer(text: str) -> tuple[Fraction, bool] | None:
    boxed = _boxed(text)
    if boxed is not None:
        return parse_exact(boxed)
    whole = parse_exact(text)
    if whole is not None:
        return whole
    matches = _ANY_NUMBER.findall(text)
    return parse_exact(matches[-1]) if matches else None


def parse_number(text: str) -> Fraction | None:
    parsed = parse_answer(text)
    return parsed[0] if parsed else None


def _close(a: Fraction, b: Fraction, rel_tol: float, abs_tol: float) -> bool:
    if a == b:
        return True
    if rel_tol == 0 and abs_tol == 0:
        return False
    return math.isclose(float(a), float(b), rel_tol=rel_tol, abs_tol=abs_tol)


class NumericGrader(Grader):
    name = "numeric"
    summary = "The answer's number (boxed, fraction, LaTeX-light, percent) equals the expected one within a tolerance."

    async def grade(self, task: Task, submission: Submission, *, sandbox: Sandbox | None = None,
                    context: EnvContext | None = None) -> Grade:
        raw_expected: Any = self.config.get("answer", task.private.get("answer"))
        if raw_expected is None:
            raise GraderError(f"task {task.id!r} has no expected answer (config.answer or private.answer)")
        expected = Fraction(raw_expected) if isinstance(raw_expected, (int, float)) and not isinstance(raw_expected, bool) \
            else (parse_exact(str(raw_expected)) or (None, False))[0]
        if expected is None:
            raise GraderError(f"the expected answer {raw_expected!r} of task {task.id!r} is not a number")
        rel_tol, abs_tol = float(self.config.get("rel_tol", 1e-6)), float(self.config.get("abs_tol", 1e-9))
        got = parse_answer((submission.answer or "")[:100_000])
        if got is None:
            return Grade(reward=0.0, passed=False, details={"reason": "no number found in the answer"})
        value, percent = got
        candidates = [value, value / 100] if percent else [value]
        ok = any(_close(c, expected, rel_tol, abs_tol) for c in candidates)
        return Grade.binary(ok, {"parsed": str(value) + ("%" if percent else ""), "expected": str(expected),
                                 "rel_tol": rel_tol, "abs_tol": abs_tol})
