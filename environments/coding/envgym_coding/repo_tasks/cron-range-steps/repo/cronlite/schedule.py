"""Cron expressions and their next run time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from cronlite.fields import CronError, parse_field

NAMES = ("minute", "hour", "day", "month", "weekday")


@dataclass(frozen=True)
class Cron:
    minutes: frozenset
    hours: frozenset
    days: frozenset
    months: frozenset
    weekdays: frozenset

    @classmethod
    def parse(cls, expression: str) -> "Cron":
        parts = expression.split()
        if len(parts) != 5:
            raise CronError(f"expected 5 fields, got {len(parts)}")
        return cls(*(frozenset(parse_field(p, n)) for p, n in zip(parts, NAMES)))

    def matches(self, when: datetime) -> bool:
        weekday = (when.weekday() + 1) % 7  # cron counts Sunday as 0
        return (when.minute in self.minutes and when.hour in self.hours and when.day in self.days
                and when.month in self.months and weekday in self.weekdays)

    def next_run(self, after: datetime) -> datetime:
        candidate = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
        for _ in range(366 * 24 * 60):
            if self.matches(candidate):
                return candidate
            candidate += timedelta(minutes=1)
        raise CronError("no run time within a year")
