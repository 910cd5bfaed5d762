"""Plain-English descriptions of cron expressions, for logs and confirmations in the UI."""

from __future__ import annotations

from cronlite.fields import format_field
from cronlite.schedule import Cron

MONTH_NAMES = ("", "January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December")
WEEKDAY_NAMES = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")


def _listing(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _everything(values: frozenset, field: str) -> bool:
    return format_field(values, field) == "*"


def _time_part(cron: Cron) -> str:
    minutes, hours = sorted(cron.minutes), sorted(cron.hours)
    if len(minutes) * len(hours) <= 3:
        return "at " + _listing([f"{h:02d}:{m:02d}" for h in hours for m in minutes])
    minute_text = "every minute" if _everything(cron.minutes, "minute") else \
        f"at minute {format_field(cron.minutes, 'minute')}"
    if _everything(cron.hours, "hour"):
        return minute_text
    return f"{minute_text} past hour {format_field(cron.hours, 'hour')}"


def _day_part(cron: Cron) -> str:
    parts = []
    days = None if _everything(cron.days, "day") else f"on day {format_field(cron.days, 'day')} of the month"
    weekdays = None if _everything(cron.weekdays, "weekday") else \
        "on " + _listing([WEEKDAY_NAMES[d] for d in sorted(cron.weekdays)])
    if days and weekdays:
        parts.append(f"{days} or {weekdays}" if cron.days_restricted and cron.weekdays_restricted
                     else f"{days} if it is {weekdays[3:]}")
    elif days or weekdays:
        parts.append(days or weekdays)
    if not _everything(cron.months, "month"):
        parts.append("in " + _listing([MONTH_NAMES[m] for m in sorted(cron.months)]))
    return " ".join(parts)


def describe(expression: str) -> str:
    """E.g. ``"30 9 * * 1-5"`` -> ``"at 09:30 on Monday, Tuesday, Wednesday, Thursday and Friday"``."""
    cron = Cron.parse(expression)
    return " ".join(part for part in (_time_part(cron), _day_part(cron)) if part)
