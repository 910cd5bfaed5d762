"""Parse human-readable durations such as ``1h30m``, ``2d 4h``, ``1.5h`` or ``1 hour and 30 minutes``.

Clock notation (``1:30:00``, ``90:00``) and ISO 8601 (``PT1H30M``) are accepted as well.
"""

from __future__ import annotations

import re
from datetime import timedelta

from timeparse.errors import DurationError
from timeparse.iso import parse_iso_duration
from timeparse.units import canonical_unit, seconds_per

NUMBER = r"\d+(?:\.\d+)?|\.\d+"
_BARE = re.compile(rf"(?:{NUMBER})")
_TOKEN = re.compile(rf"({NUMBER})\s*([a-z]+)")
# Between tokens people write spaces, commas or "and": "1 hour, 30 minutes", "1 hour and 30 minutes".
_SEPARATOR = re.compile(r"(?:\s|,|\band\b)*")
_CLOCK = re.compile(r"(\d+):([0-5]\d)(?::([0-5]\d(?:\.\d+)?))?")


def parse_clock(text: str) -> float:
    """``H:MM:SS`` or ``M:SS`` (as video players show it), with optional fractions of a second."""
    match = _CLOCK.fullmatch(text.strip())
    if not match:
        raise DurationError(f"{text!r} is not a clock duration (H:MM:SS or M:SS)")
    first, second, third = match.groups()
    if third is None:
        return int(first) * 60 + float(second)
    return int(first) * 3600 + int(second) * 60 + float(third)


def _parse_units(cleaned: str, original: str) -> float:
    position, total, seen = 0, 0.0, set()
    for match in _TOKEN.finditer(cleaned):
        if not _SEPARATOR.fullmatch(cleaned, position, match.start()):
            raise DurationError(f"unexpected {cleaned[position:match.start()].strip()!r} in {original!r}")
        unit = canonical_unit(match.group(2))
        if unit in seen:
            # "1h 2h" is almost always a typo for something else; adding them up would hide it.
            raise DurationError(f"unit {unit!r} given twice in {original!r}")
        seen.add(unit)
        total += float(match.group(1)) * seconds_per(unit)
        position = match.end()
    if position == 0 or cleaned[position:].strip():
        raise DurationError(f"cannot parse {original!r} as a duration")
    return total


def parse_duration(text: str) -> float:
    """Seconds in ``text``. A bare number means seconds."""
    cleaned = text.strip().lower()
    if not cleaned:
        raise DurationError("empty duration")
    if _BARE.fullmatch(cleaned):
        return float(cleaned)
    if cleaned.startswith("p"):
        return parse_iso_duration(cleaned)
    if ":" in cleaned:
        return parse_clock(cleaned)
    return _parse_units(cleaned, text)


def parse_timedelta(text: str) -> timedelta:
    """Like :func:`parse_duration`, as a ``timedelta`` for date arithmetic."""
    return timedelta(seconds=parse_duration(text))
