"""Limits written the way people configure them: ``"100/minute"``, ``"5 per 10s; burst=20"``."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ratelimit.errors import InvalidLimit

_UNIT_SECONDS = {
    "s": 1, "sec": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400,
}
_LIMIT = re.compile(
    r"^\s*(?P<amount>\d+(?:\.\d+)?)\s*(?:/|per)\s*(?P<count>\d+(?:\.\d+)?)?\s*(?P<unit>[a-z]+)\s*"
    r"(?:[;,]\s*burst\s*=\s*(?P<burst>\d+(?:\.\d+)?)\s*)?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Limit:
    """``rate`` tokens per second are refilled, and at most ``capacity`` can be spent in one burst."""

    rate: float
    capacity: float

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.capacity <= 0:
            raise InvalidLimit(f"rate and capacity must be positive, got {self.rate} and {self.capacity}")

    @classmethod
    def parse(cls, text: str) -> "Limit":
        """``"100/minute"`` -> 100 requests per minute, bursts of up to 100.

        The period may have a count (``"5/10s"``) and the burst may be set apart from the amount
        (``"100/minute; burst=20"``).
        """
        match = _LIMIT.match(text)
        if not match:
            raise InvalidLimit(f"cannot read limit {text!r}; expected e.g. '100/minute' or '5 per 10s; burst=20'")
        unit = match.group("unit").lower()
        if unit not in _UNIT_SECONDS:
            raise InvalidLimit(f"unknown time unit {unit!r} in {text!r}")
        amount = float(match.group("amount"))
        period = float(match.group("count") or 1) * _UNIT_SECONDS[unit]
        if amount <= 0 or period <= 0:
            raise InvalidLimit(f"amount and period must be positive in {text!r}")
        burst = float(match.group("burst")) if match.group("burst") else amount
        return cls(rate=amount / period, capacity=burst)

    def describe(self) -> str:
        """A readable form, in the largest unit that gives a whole number of requests when possible."""
        for unit, seconds in (("second", 1), ("minute", 60), ("hour", 3600), ("day", 86400)):
            amount = self.rate * seconds
            if amount >= 1 and abs(amount - round(amount)) < 1e-9:
                return f"{round(amount)}/{unit} (burst {self.capacity:g})"
        return f"{self.rate:g}/second (burst {self.capacity:g})"
