"""Backoff policies: how long to wait before each retry."""

from __future__ import annotations

import random
from dataclasses import dataclass

JITTER_MODES = ("none", "full", "equal")


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff: ``base_delay * factor ** n`` seconds before retry ``n`` (from 0), at most ``max_delay``.

    Jitter spreads out clients that failed at the same moment: ``"full"`` waits a random time
    between 0 and the delay, ``"equal"`` between half the delay and the delay.
    """

    base_delay: float = 0.1
    factor: float = 2.0
    max_delay: float = 10.0
    jitter: str = "none"

    def __post_init__(self) -> None:
        if self.base_delay < 0:
            raise ValueError("base_delay must not be negative")
        if self.factor < 1:
            raise ValueError("factor must be at least 1 (delays never shrink)")
        if self.max_delay < self.base_delay:
            raise ValueError("max_delay must be at least base_delay")
        if self.jitter not in JITTER_MODES:
            raise ValueError(f"jitter must be one of {', '.join(JITTER_MODES)}, got {self.jitter!r}")

    def delay(self, retry_number: int) -> float:
        """Seconds to wait before retry number ``retry_number`` (0 for the first retry), without jitter."""
        if retry_number < 0:
            raise ValueError("retry_number must not be negative")
        return self.base_delay * self.factor ** retry_number

    def jittered(self, retry_number: int, rng: random.Random | None = None) -> float:
        """``delay(retry_number)`` with this policy's jitter applied."""
        delay = self.delay(retry_number)
        if self.jitter == "none":
            return delay
        rng = rng or random.Random()
        if self.jitter == "full":
            return rng.uniform(0, delay)
        return delay / 2 + rng.uniform(0, delay / 2)

    def delays(self, retries: int) -> list[float]:
        """The unjittered delays of the first ``retries`` retries, e.g. to log a schedule."""
        return [self.delay(n) for n in range(retries)]
