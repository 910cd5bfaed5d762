"""Fixed-date public holidays."""

from __future__ import annotations

from datetime import date

FIXED = {"new_year": (1, 1), "labour_day": (5, 1), "christmas": (12, 25), "boxing_day": (12, 26)}


def holidays_for(year: int, names: tuple[str, ...] = tuple(FIXED)) -> set[date]:
    return {date(year, *FIXED[name]) for name in names}
