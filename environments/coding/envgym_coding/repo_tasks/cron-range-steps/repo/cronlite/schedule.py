"""Cron expressions and their run times."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Iterator

from cronlite.aliases import expand
from cronlite.fields import CronError, parse_field

NAMES = ("minute", "hour", "day", "month", "weekday")
# Long enough to reach the next 29 February from any date (at most eight years away, e.g. 2096 -> 2104).
SEARCH_DAYS = 366 * 8 + 1


@dataclass(frozen=True)
class Cron:
    minutes: frozenset
    hours: frozenset
    days: frozenset
    months: frozenset
    weekdays: frozenset
    # Classic cron rule: when both day fields are restricted, a day matching EITHER of them is a run day.
    days_restricted: bool = False
    weekdays_restricted: bool = False

    @classmethod
    def parse(cls, expression: str) -> "Cron":
        try:
            text = expand(expression)
        except ValueError as exc:
            raise CronError(str(exc)) from None
        parts = text.split()
        if len(parts) != 5:
            raise CronError(f"expected 5 fields, got {len(parts)}")
        sets = (frozenset(parse_field(p, n)) for p, n in zip(parts, NAMES))
        return cls(*sets, days_restricted=not parts[2].startswith("*"),
                   weekdays_restricted=not parts[4].startswith("*"))

    def runs_on(self, day: date) -> bool:
        """Whether ``day`` has run times (month and the two day fields)."""
        if day.month not in self.months:
            return False
        by_day = day.day in self.days
        by_weekday = (day.weekday() + 1) % 7 in self.weekdays  # cron counts Sunday as 0
        if self.days_restricted and self.weekdays_restricted:
            return by_day or by_weekday
        return by_day and by_weekday

    def matches(self, when: datetime) -> bool:
        return when.minute in self.minutes and when.hour in self.hours and self.runs_on(when.date())

    def _times(self) -> list[time]:
        return [time(h, m) for h in sorted(self.hours) for m in sorted(self.minutes)]

    def next_run(self, after: datetime) -> datetime:
        """The first run time strictly after ``after`` (seconds are ignored; time zones are kept)."""
        day = after.date()
        times = self._times()
        for _ in range(SEARCH_DAYS):
            if self.runs_on(day):
                for moment in times:
                    candidate = datetime.combine(day, moment, after.tzinfo)
                    if candidate > after:
                        return candidate
            day += timedelta(days=1)
        raise CronError("no run time within eight years")

    def iter_runs(self, after: datetime) -> Iterator[datetime]:
        """Run times after ``after``, in order, without end."""
        while True:
            after = self.next_run(after)
            yield after

    def runs_between(self, start: datetime, end: datetime, limit: int = 10_000) -> list[datetime]:
        """Run times in ``(start, end]``; at most ``limit`` of them, to bound ``* * * * *`` over long spans."""
        runs: list[datetime] = []
        for run in self.iter_runs(start):
            if run > end or len(runs) >= limit:
                break
            runs.append(run)
        return runs
