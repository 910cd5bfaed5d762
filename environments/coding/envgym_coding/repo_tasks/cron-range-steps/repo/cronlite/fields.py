"""Parsing one cron field into the set of values it allows."""

from __future__ import annotations


class CronError(ValueError):
    pass


BOUNDS = {"minute": (0, 59), "hour": (0, 23), "day": (1, 31), "month": (1, 12), "weekday": (0, 6)}


def _int(text: str, field: str) -> int:
    if not text.isdigit():
        raise CronError(f"{field}: {text!r} is not a number")
    return int(text)


def parse_field(text: str, field: str) -> set[int]:
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
            start, end = _int(a, field), _int(b, field)
        else:
            start = end = _int(part, field)
        if start < low or end > high or start > end:
            raise CronError(f"{field}: {start}-{end} is outside {low}-{high}")
        values.update(range(start, end + 1, step))
    return values
