"""Format seconds back into forms ``parse_duration`` reads."""

from __future__ import annotations

from timeparse.errors import DurationError
from timeparse.units import DAY, HOUR, MINUTE, SECOND, WEEK, WORDS

ORDER = [("w", WEEK), ("d", DAY), ("h", HOUR), ("m", MINUTE), ("s", SECOND)]


def _split(seconds: float) -> tuple[int, int]:
    """Whole seconds and the remaining milliseconds (rounded, carrying into the seconds at 1000)."""
    if seconds < 0:
        raise DurationError("durations are not negative")
    whole = int(seconds)
    millis = round((seconds - whole) * 1000)
    if millis == 1000:
        whole, millis = whole + 1, 0
    return whole, millis


def format_duration(seconds: float, largest: str = "w") -> str:
    """The compact form: ``3725`` -> ``"1h2m5s"``.

    ``largest`` is the biggest unit used: ``format_duration(90061, largest="h")`` gives ``"25h1m1s"``, which
    reads better for job run times than ``"1d1h1m1s"``.
    """
    symbols = [unit for unit, _ in ORDER]
    if largest not in symbols:
        raise DurationError(f"largest must be one of {', '.join(symbols)}")
    whole, millis = _split(seconds)
    parts = []
    for unit, size in ORDER[symbols.index(largest):]:
        count, whole = divmod(whole, size)
        if count:
            parts.append(f"{count}{unit}")
    if millis:
        parts.append(f"{millis}ms")
    return "".join(parts) or "0s"


def format_verbose(seconds: float) -> str:
    """Words, for messages: ``3725`` -> ``"1 hour 2 minutes 5 seconds"``."""
    whole, millis = _split(seconds)
    parts = []
    for singular, plural, size in WORDS:
        count, whole = divmod(whole, size)
        if count:
            parts.append(f"{count} {singular if count == 1 else plural}")
    if millis:
        parts.append(f"{millis} millisecond{'' if millis == 1 else 's'}")
    return " ".join(parts) or "0 seconds"


def format_clock(seconds: float) -> str:
    """``H:MM:SS``: ``3725`` -> ``"1:02:05"``; fractions of a second are dropped."""
    whole, _ = _split(seconds)
    hours, rest = divmod(whole, HOUR)
    minutes, secs = divmod(rest, MINUTE)
    return f"{hours}:{minutes:02d}:{secs:02d}"
