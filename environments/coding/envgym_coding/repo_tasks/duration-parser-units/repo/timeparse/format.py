"""Format seconds back into the compact form ``parse_duration`` reads."""

from __future__ import annotations

ORDER = [("w", 7 * 24 * 3600), ("d", 24 * 3600), ("h", 3600), ("m", 60), ("s", 1)]


def format_duration(seconds: float) -> str:
    if seconds < 0:
        raise ValueError("durations are not negative")
    whole = int(seconds)
    millis = round((seconds - whole) * 1000)
    parts = []
    for unit, size in ORDER:
        count, whole = divmod(whole, size)
        if count:
            parts.append(f"{count}{unit}")
    if millis:
        parts.append(f"{millis}ms")
    return "".join(parts) or "0s"
