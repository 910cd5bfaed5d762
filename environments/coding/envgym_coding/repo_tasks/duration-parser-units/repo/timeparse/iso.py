"""ISO 8601 durations (``P1DT2H30M``, ``PT0.5S``, ``P2W``), as used by APIs and feeds.

Years and months are refused: their length depends on the calendar, and a duration here is a number of
seconds.
"""

from __future__ import annotations

import re

from timeparse.errors import DurationError
from timeparse.units import DAY, HOUR, MINUTE, SECOND, WEEK

_ISO = re.compile(r"P(?:(?P<weeks>\d+(?:\.\d+)?)W)?(?:(?P<days>\d+(?:\.\d+)?)D)?"
                  r"(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?",
                  re.IGNORECASE)
SIZES = {"weeks": WEEK, "days": DAY, "hours": HOUR, "minutes": MINUTE, "seconds": SECOND}


def parse_iso_duration(text: str) -> float:
    match = _ISO.fullmatch(text.strip())
    if not match or not any(match.groupdict().values()) or text.strip().upper().endswith("T"):
        raise DurationError(f"{text!r} is not an ISO 8601 duration (years and months are not supported)")
    return sum(float(value) * SIZES[name] for name, value in match.groupdict().items() if value)


def format_iso_duration(seconds: float) -> str:
    """``5400`` -> ``"PT1H30M"``; whole days are written as days, never weeks (the more common form)."""
    if seconds < 0:
        raise DurationError("durations are not negative")
    days, rest = divmod(seconds, DAY)
    hours, rest = divmod(rest, HOUR)
    minutes, secs = divmod(rest, MINUTE)
    date_part = f"{int(days)}D" if days else ""
    time_part = "".join(f"{int(value)}{symbol}" for value, symbol in ((hours, "H"), (minutes, "M")) if value)
    if secs:
        time_part += f"{round(secs, 3):g}S"
    if not date_part and not time_part:
        return "PT0S"
    return "P" + date_part + ("T" + time_part if time_part else "")
