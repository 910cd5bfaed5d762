"""Units of time, their symbols and the words people write for them."""

from __future__ import annotations

from timeparse.errors import DurationError

MILLISECOND = 0.001
SECOND = 1
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR
WEEK = 7 * DAY

# Seconds per unit symbol, as parse_duration reads them.
UNIT_SECONDS = {
    "w": WEEK,
    "d": DAY,
    "h": HOUR,
    "m": SECOND,
    "s": SECOND,
    "ms": MILLISECOND,
}

ALIASES = {
    "wk": "w", "wks": "w", "week": "w", "weeks": "w",
    "day": "d", "days": "d",
    "hr": "h", "hrs": "h", "hour": "h", "hours": "h",
    "min": "m", "mins": "m", "minute": "m", "minutes": "m",
    "sec": "s", "secs": "s", "second": "s", "seconds": "s",
    "msec": "ms", "msecs": "ms", "millisecond": "ms", "milliseconds": "ms",
}

# Singular and plural words for format_verbose, largest unit first.
WORDS = (("week", "weeks", WEEK), ("day", "days", DAY), ("hour", "hours", HOUR), ("minute", "minutes", MINUTE),
         ("second", "seconds", SECOND))


def canonical_unit(word: str) -> str:
    """The symbol (``h``) for a symbol or a word (``hours``, ``Hrs``)."""
    lowered = word.lower()
    if lowered in UNIT_SECONDS:
        return lowered
    try:
        return ALIASES[lowered]
    except KeyError:
        raise DurationError(f"unknown unit {word!r}") from None


def seconds_per(word: str) -> float:
    return UNIT_SECONDS[canonical_unit(word)]
