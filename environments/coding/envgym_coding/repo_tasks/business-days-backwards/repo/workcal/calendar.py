"""Business-day arithmetic.

Weekends are Saturday and Sunday. Holidays are passed in as a collection of dates (see
:mod:`workcal.holidays`), so callers decide which calendar applies.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
from datetime import date, timedelta
from typing import Iterable

ONE_DAY = timedelta(days=1)
WEEKEND = frozenset({5, 6})  # date.weekday(): Monday is 0


def is_business_day(day: date, holidays: Iterable[date] = ()) -> bool:
    return day.weekday() not in WEEKEND and day not in set(holidays)


def next_business_day(day: date, holidays: Iterable[date] = ()) -> date:
    """``day`` itself if it is a business day, else the first business day after it."""
    holidays = set(holidays)
    while not is_business_day(day, holidays):
        day += ONE_DAY
    return day


def previous_business_day(day: date, holidays: Iterable[date] = ()) -> date:
    """``day`` itself if it is a business day, else the last business day before it."""
    holidays = set(holidays)
    while not is_business_day(day, holidays):
        day -= ONE_DAY
    return day


def add_business_days(start: date, n: int, holidays: Iterable[date] = ()) -> date:
    """The business day ``n`` business days after ``start``.

    ``n == 0`` gives ``start`` when it is a business day, else the next business day, so that a due date
    computed from a weekend request starts counting on Monday.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    holidays = set(holidays)
    day = next_business_day(start, holidays)
    while n > 0:
        day += ONE_DAY
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
        day += ONE_DAY
        if is_business_day(day, holidays):
            count += 1
    return sign * count


def business_days_in_range(first: date, last: date, holidays: Iterable[date] = ()) -> list[date]:
    """The business days from ``first`` to ``last``, both included, in order."""
    if last < first:
        raise ValueError(f"the range ends ({last}) before it starts ({first})")
    holidays = set(holidays)
    days, day = [], first
    while day <= last:
        if is_business_day(day, holidays):
            days.append(day)
        day += ONE_DAY
    return days


def business_days_in_month(year: int, month: int, holidays: Iterable[date] = ()) -> list[date]:
    last = _stdlib_calendar.monthrange(year, month)[1]
    return business_days_in_range(date(year, month, 1), date(year, month, last), holidays)


def last_business_day(year: int, month: int, holidays: Iterable[date] = ()) -> date:
    """Payroll's favourite: the last business day of the month."""
    days = business_days_in_month(year, month, holidays)
    if not days:
        raise ValueError(f"{year}-{month:02d} has no business day")
    return days[-1]
