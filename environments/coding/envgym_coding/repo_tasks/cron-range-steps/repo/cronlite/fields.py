"""Parsing one cron field into the set of values it allows, and writing a set back compactly."""

from __future__ import annotations


class CronError(ValueError):
    """The expression is not valid cron syntax; the message names the field."""


# Weekday accepts 7 as a second spelling of Sunday, as most crons do; it is folded into 0 after parsing.
BOUNDS = {"minute": (0, 59), "hour": (0, 23), "day": (1, 31), "month": (1, 12), "weekday": (0, 7)}
NAMES = {
    "month": {name: number for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)},
    "weekday": {name: number for number, name in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))},
}


def _int(text: str, field: str) -> int:
    if not text.isdigit():
        raise CronError(f"{field}: {text!r} is not a number")
    return int(text)


def _value(text: str, field: str) -> int:
    """A number, or a three-letter month or weekday name where the field has names."""
    names = NAMES.get(field, {})
    if text.lower() in names:
        return names[text.lower()]
    return _int(text, field)


def parse_field(text: str, field: str) -> set[int]:
    """The values ``text`` allows in ``field`` (``minute``, ``hour``, ``day``, ``month`` or ``weekday``).

    Supports lists (``1,5``), ranges (``1-5``), wildcards (``*``), steps (``*/15``) and names (``mon-fri``).
    """
    if field not in BOUNDS:
        raise CronError(f"unknown field {field!r}")
    low, high = BOUNDS[field]
    values: set[int] = set()
    for part in text.split(","):
        if not part:
            raise CronError(f"{field}: empty list item")
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = _int(step_text, field)
            if step == 0:
                raise CronError(f"{field}: step 0")
            if part != "*":
                raise CronError(f"{field}: a step needs * before it")
        if part == "*":
            start, end = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = _value(a, field), _value(b, field)
        else:
            start = end = _value(part, field)
        if start < low or end > high or start > end:
            raise CronError(f"{field}: {start}-{end} is outside {low}-{high}")
        values.update(range(start, end + 1, step))
    if field == "weekday" and 7 in values:
        values.discard(7)
        values.add(0)
    return values


def _runs(values: list[int]) -> list[tuple[int, int]]:
    """Sorted values grouped into runs of consecutive numbers: [1, 2, 3, 7] -> [(1, 3), (7, 7)]."""
    runs: list[tuple[int, int]] = []
    for value in values:
        if runs and value == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], value)
        else:
            runs.append((value, value))
    return runs


def format_field(values: set[int] | frozenset[int], field: str) -> str:
    """The shortest usual spelling of ``values``: ``*``, ``*/15`` or a list of numbers and ranges."""
    low, high = BOUNDS[field]
    if field == "weekday":
        high = 6
    ordered = sorted(values)
    if not ordered:
        raise CronError(f"{field}: no values")
    if ordered == list(range(low, high + 1)):
        return "*"
    if ordered[0] == low and len(ordered) > 2:
        step = ordered[1] - ordered[0]
        if ordered == list(range(low, high + 1, step)):
            return f"*/{step}"
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in _runs(ordered))
