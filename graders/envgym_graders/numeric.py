"""The ``numeric`` grader: is the answer the expected number, within a tolerance?

Which part of the answer is read: the content of the last ``\\boxed{...}`` if there is one; else the
whole answer if it parses as a number; else the last number in the text. Forms understood:
integers and decimals, ``1,000`` / ``1{,}000`` thousands separators, scientific ``1.5e-3`` and
``1.5 \\times 10^{3}``, fractions ``3/4``, ``\\frac{3}{4}`` (also ``\\dfrac``/``\\tfrac``, with a sign in
front), a leading ``$`` or trailing units-free ``%``. A percentage ``p%`` matches when either ``p`` or
``p/100`` equals the expected value. Comparison is exact for two rationals when both tolerances are
0, otherwise ``math.isclose``'s rule (``|a - b| <= max(rel_tol * max(|a|, |b|), abs_tol)``) in exact
rational arithmetic, so no value overflows a float.

Every number is parsed with bounded size: at most ``MAX_DIGITS`` digits and a decimal exponent of at
most ``MAX_EXPONENT`` in magnitude (``1e30000000`` is refused before any arithmetic, not computed), so
grading costs time linear in the answer's length. An answer whose number is over these bounds, or
is not finite (``inf``, ``NaN``), scores 0 with the reason in ``details``; it is never a grader error.
Only the last ``max_chars`` (default 100000) characters of an answer are read (the final answer is
at its end).

Config: ``answer`` (else ``task.private["answer"]``; a number or a string in any form above; a
float is read as the decimal it prints as, so ``0.1`` is exactly 1/10, not the binary double
nearest it; a boolean is no number), ``rel_tol`` (default 1e-6), ``abs_tol`` (default 1e-9), ``max_chars``.

Example:
    >>> parse_number("\\\\frac{1}{2}"), parse_number("1,000"), parse_number("The answer is \\\\boxed{-3/4}.")
    (Fraction(1, 2), Fraction(1000, 1), Fraction(-3, 4))
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Any

from pydantic import Field

from envgym.kernel.grader import Grader, ScoreConfig
from envgym.protocol import Grade, Submission, Task
from envgym.protocol.errors import GraderError

MAX_DIGITS = 4300  # Python's own limit for int <-> str conversion
MAX_EXPONENT = 4300  # |decimal exponent|; values stay below 10**8600, a few thousand bits
_MAX_NUMBER_CHARS = 2 * MAX_DIGITS + 64
_DIGIT_RUN = re.compile(r"[-+]?[\d,.]+%?")
_NON_FINITE = re.compile(r"[-+]?(?:inf(?:inity)?|nan|\\infty|∞)", re.IGNORECASE)

# A number may start with its decimal point (.5), but not in the middle of an ellipsis ("so...42" is 42).
_NUM = r"[-+]?(?:\d+(?:,\d{3})*(?:\.\d*)?|(?<![.\d])\.\d+)(?:[eE][-+]?\d+)?"
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
                return text[i + 1 : j]
    return None


def _clean(text: str) -> str:
    text = text.strip().rstrip(".").strip()  # a full stop after the number; a leading "." is a decimal point (.5)
    text = text.replace("{,}", ",").replace("\\!", "").replace("\\,", "").replace("$", "").replace("\\%", "%")
    text = re.sub(r"\\(?:left|right)", "", text)
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    return text.replace(" ", "") if re.fullmatch(r"[-+]?\d{1,3}(?: \d{3})+(?:\.\d+)?", text) else text


class NumberOutOfRange(ValueError):
    """A number in the answer is beyond the bounds this grader computes with."""


def _check_exponent(exponent: str) -> int:
    digits = exponent.lstrip("+-").lstrip("0")
    if len(digits) > len(str(MAX_EXPONENT)) or int(digits or "0") > MAX_EXPONENT:
        raise NumberOutOfRange(
            f"exponent {exponent[:20]}{'...' if len(exponent) > 20 else ''} is beyond ±{MAX_EXPONENT}"
        )
    return int(exponent)


def _plain(token: str) -> Fraction:
    token = token.replace(",", "")
    mantissa, _, exponent = token.lower().partition("e")
    digits = len(mantissa) - mantissa.count(".") - mantissa.startswith(("-", "+"))
    if digits > MAX_DIGITS:
        raise NumberOutOfRange(f"a number with {digits} digits (more than {MAX_DIGITS})")
    if exponent:
        _check_exponent(exponent)
    return Fraction(token)


def parse_exact(text: str) -> tuple[Fraction, bool] | None:
    """``(value, is_percent)`` if ``text`` is one number in a known form, else None.
    Raises ``NumberOutOfRange`` for a number beyond ``MAX_DIGITS``/``MAX_EXPONENT``."""
    text = _clean(text)
    if len(text) > _MAX_NUMBER_CHARS:  # longer than any number within the bounds, in any form
        if _DIGIT_RUN.fullmatch(text):
            raise NumberOutOfRange(f"a number of {len(text)} characters (more than {MAX_DIGITS} digits)")
        return None
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
            divisor = _plain(m.group(2))
            return (_plain(m.group(1)) / divisor, percent) if divisor != 0 else None
        if m := _TIMES.match(text):
            return _plain(m.group(1)) * Fraction(10) ** _check_exponent(m.group(2)), percent
        if re.fullmatch(_NUM, text):
            return _plain(text), percent
    except NumberOutOfRange:
        raise
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
    return abs(a - b) <= max(Fraction(rel_tol) * max(abs(a), abs(b)), Fraction(abs_tol))


def _not_a_number(reason: str) -> Grade:
    return Grade(reward=0.0, passed=False, details={"reason": reason})


class NumericConfig(ScoreConfig):
    answer: int | float | str | None = Field(
        None, description="the expected number (or its text, e.g. '3/4'); default: task.private['answer']"
    )
    rel_tol: float = Field(1e-6, ge=0, description="relative tolerance (math.isclose's rule)")
    abs_tol: float = Field(1e-9, ge=0, description="absolute tolerance")
    max_chars: int = Field(100_000, gt=0, description="only the answer's last max_chars characters are read")


class NumericGrader(Grader):
    name = "numeric"
    summary = "The answer's number (boxed, fraction, LaTeX-light, percent) equals the expected one within a tolerance."
    requires = frozenset({"answer"})
    config_model = NumericConfig
    cfg: NumericConfig

    def score_is_cheap(self, task: Task, submission: Submission) -> bool:
        return True  # linear in the (capped) answer, with numbers of bounded size (module docstring)

    def _expected(self, task: Task) -> Fraction:
        raw: Any = task.private.get("answer") if self.cfg.answer is None else self.cfg.answer
        if raw is None:
            raise GraderError(f"task {task.id!r} has no expected answer (config.answer or private.answer)")
        try:
            if isinstance(raw, float):  # the decimal it prints as: 0.1 is 1/10, not the double nearest it
                return Fraction(repr(raw))
            if isinstance(raw, int) and not isinstance(raw, bool):
                return Fraction(raw)
            parsed = parse_exact(str(raw))
        except (ValueError, OverflowError):  # NumberOutOfRange, inf, nan
            parsed = None
        if parsed is None:
            raise GraderError(
                f"the expected answer {str(raw)[:100]!r} of task {task.id!r} is not a finite number "
                f"within the grader's bounds"
            )
        return parsed[0]

    def score(self, task: Task, submission: Submission) -> Grade:
        expected = self._expected(task)
        rel_tol, abs_tol = self.cfg.rel_tol, self.cfg.abs_tol
        text = (submission.answer or "")[-self.cfg.max_chars :]
        try:
            got = parse_answer(text)
        except NumberOutOfRange as exc:
            return _not_a_number(f"the answer's number is too large to compare: {exc}")
        if got is None:
            final = _boxed(text)
            if _NON_FINITE.search(final if final is not None else text):
                return _not_a_number("the answer is not a finite number")
            return _not_a_number("no number found in the answer")
        value, percent = got
        candidates = [value, value / 100] if percent else [value]
        ok = any(_close(c, expected, rel_tol, abs_tol) for c in candidates)
        details: dict[str, Any] = {
            "parsed": _short(value) + ("%" if percent else ""),
            "expected": _short(expected),
            "rel_tol": rel_tol,
            "abs_tol": abs_tol,
        }
        if not ok:
            details["reason"] = "the number differs from the expected one by more than the tolerance"
        return Grade.binary(ok, details)


def _short(value: Fraction) -> str:
    try:
        text = str(value)
    except ValueError:  # more digits than Python converts to text (sys.get_int_max_str_digits): 1e4300 has 4301
        magnitude = math.log10(abs(value.numerator)) - math.log10(value.denominator)
        return f"{'-' if value < 0 else ''}about 1e{magnitude:.0f} (too many digits to show)"
    return text if len(text) <= 200 else f"{text[:90]}...{text[-90:]} ({len(text)} characters)"
