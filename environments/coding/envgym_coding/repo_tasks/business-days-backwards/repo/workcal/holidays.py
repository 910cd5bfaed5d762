"""Public holidays: fixed dates, days relative to Easter, and substitute days for weekend holidays."""

from __future__ import annotations

from datetime import date, timedelta

FIXED = {"new_year": (1, 1), "labour_day": (5, 1), "christmas": (12, 25), "boxing_day": (12, 26)}
# Offsets in days from Easter Sunday.
EASTER_RELATIVE = {"good_friday": -2, "easter_monday": 1, "ascension": 39, "whit_monday": 50}
DEFAULT_NAMES = ("new_year", "good_friday", "easter_monday", "labour_day", "christmas", "boxing_day")
ALL_NAMES = tuple(FIXED) + tuple(EASTER_RELATIVE)


def easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (the anonymous Gregorian algorithm, valid for any year after 1582)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday_shift = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * weekday_shift) // 451
    month, day = divmod(h + weekday_shift - 7 * m + 114, 31)
    return date(year, month, day + 1)


def named_holidays(year: int, names: tuple[str, ...] = DEFAULT_NAMES, substitute: bool = False) -> dict[date, str]:
    """The holidays of ``year`` by date.

    With ``substitute``, a fixed-date holiday on a weekend also gives the next free weekday off (as in the
    UK: Christmas on Saturday and Boxing Day on Sunday move to Monday and Tuesday).
    """
    unknown = sorted(set(names) - set(ALL_NAMES))
    if unknown:
        raise ValueError(f"unknown holiday names: {', '.join(unknown)}")
    easter = easter_sunday(year)
    days: dict[date, str] = {}
    for name in names:
        if name in FIXED:
            days[date(year, *FIXED[name])] = name
        else:
            days[easter + timedelta(days=EASTER_RELATIVE[name])] = name
    if substitute:
        for day, name in sorted(days.items()):
            if name in FIXED and day.weekday() >= 5:
                replacement = day + timedelta(days=1)
                while replacement.weekday() >= 5 or replacement in days:
                    replacement += timedelta(days=1)
                days[replacement] = f"{name} (substitute)"
    return days


def holidays_for(year: int, names: tuple[str, ...] = DEFAULT_NAMES, substitute: bool = False) -> set[date]:
    return set(named_holidays(year, names, substitute))


def holidays_between(first_year: int, last_year: int, names: tuple[str, ...] = DEFAULT_NAMES,
                     substitute: bool = False) -> set[date]:
    """The holidays of every year from ``first_year`` to ``last_year`` inclusive."""
    if last_year < first_year:
        raise ValueError("last_year is before first_year")
    days: set[date] = set()
    for year in range(first_year, last_year + 1):
        days |= holidays_for(year, names, substitute)
    return days
