"""Parse and format human-readable durations such as ``1h30m``, ``2d 4h`` or ``1.5h``."""

from __future__ import annotations

import re

UNITS = {
    "w": 7 * 24 * 3600,
    "d": 24 * 3600,
    "h": 3600,
    "m": 1,
    "s": 1,
    "ms": 0.001,
}
_TOKEN = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|w|d|h|m|s)")


class DurationError(ValueError):
    """The text is not a duration."""


def parse_duration(text: str) -> float:
    """Seconds in ``text``. A bare number means seconds."""
    cleaned = text.strip().lower()
    if not cleaned:
        raise DurationError("empty duration")
    if re.fullmatch(r"\d+(?:\.\d+)?", cleaned):
        return float(cleaned)
    position, total = 0, 0.0
    for match in _TOKEN.finditer(cleaned):
        gap = cleaned[position:match.start()]
        if gap.strip():
            raise DurationError(f"unexpected {gap.strip()!r} in {text!r}")
        total += float(match.group(1)) * UNITS[match.group(2)]
        position = match.end()
    if position == 0 or cleaned[position:].strip():
        raise DurationError(f"cannot parse {text!r} as a duration")
    return total
