"""Backoff policies."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    base_delay: float = 0.1
    factor: float = 2.0
    max_delay: float = 10.0

    def delay(self, retry_number: int) -> float:
        """Seconds to wait before retry number ``retry_number`` (0 for the first retry)."""
        return self.base_delay * self.factor ** retry_number
