"""Reading dates and company holiday files."""

from __future__ import annotations

import re
from datetime import date

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_date(text: str) -> date:
    """An ISO date (``2024-03-01``)."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a date (expected YYYY-MM-DD)") from None


def parse_month(text: str) -> tuple[int, int]:
    """``"2024-03"`` -> ``(2024, 3)``."""
    match = MONTH.match(text.strip())
    if not match or not 1 <= int(match[2]) <= 12:
        raise ValueError(f"{text!r} is not a month (expected YYYY-MM)")
    return int(match[1]), int(match[2])


def parse_holiday_file(text: str) -> dict[date, str]:
    """Company holidays, one per line: ``2024-12-24  Christmas Eve``; ``#`` starts a comment.

    The name is optional. A date listed twice keeps its first name.
    """
    days: dict[date, str] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        first, _, name = line.partition(" ")
        try:
            day = parse_date(first)
        except ValueError as exc:
            raise ValueError(f"line {number}: {exc}") from None
        days.setdefault(day, name.strip() or "company holiday")
    return days
