"""Due dates as people type them: ISO dates, 'today', 'tomorrow', weekday names, '+3d' or '+2w'."""

from __future__ import annotations

import re
from datetime import date, timedelta

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_RELATIVE = re.compile(r"\+(\d+)([dw])")


def parse_due(text: str, today: date) -> date:
    """The date meant by ``text``; a weekday name means its next occurrence after today."""
    word = text.strip().lower()
    if word == "today":
        return today
    if word == "tomorrow":
        return today + timedelta(days=1)
    if word in WEEKDAYS:
        ahead = (WEEKDAYS.index(word) - today.weekday() - 1) % 7 + 1
        return today + timedelta(days=ahead)
    relative = _RELATIVE.fullmatch(word)
    if relative:
        amount = int(relative.group(1))
        return today + timedelta(days=amount if relative.group(2) == "d" else 7 * amount)
    try:
        return date.fromisoformat(word)
    except ValueError:
        raise ValueError(f"cannot understand the date {text!r} (try 2024-05-31, tomorrow, friday or +3d)") from None


def describe_due(due: date, today: date) -> str:
    """A short, human description of ``due`` as seen from ``today``."""
    days = (due - today).days
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    if days == -1:
        return "yesterday"
    if 1 < days < 7:
        return f"in {days} days"
    if -7 < days < -1:
        return f"{-days} days ago"
    return due.isoformat()
