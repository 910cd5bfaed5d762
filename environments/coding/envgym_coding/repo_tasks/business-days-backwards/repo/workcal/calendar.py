"""Business-day arithmetic."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Iterable


def is_business_day(day: date, holidays: Iterable[date] = ()) -> bool:
    return day.weekday() < 5 and day not in set(holidays)


def next_business_day(day: date, holidays: Iterable[date] = ()) -> date:
    holidays = set(holidays)
    while not is_business_day(day, holidays):
        day += timedelta(days=1)
    return day


def add_business_days(start: date, n: int, holidays: Iterable[date] = ()) -> date:
    if n < 0:
        raise ValueError("n must not be negative")
    holidays = set(holidays)
    day = next_business_day(start, holidays)
    while n > 0:
        day += timedelta(days=1)
        if is_business_day(day, holidays):
            n -= 1
    return day


def business_days_between(start: date, end: date, holidays: Iterable[date] = ()) -> int:
    """Business days after ``start`` up to and including ``end`` (negative if ``end`` is earlier)."""
    holidays = set(holidays)
    sign = 1
    if end < start:
        start, end, sign = end, start, -1
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_business_day(day, holidays):
            count += 1
    return sign * count
