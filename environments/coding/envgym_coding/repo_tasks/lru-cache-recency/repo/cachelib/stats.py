"""Hit/miss/eviction counters shared by every cache in the package."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    evictions: int = 0

    @property
    def lookups(self) -> int:
        return self.hits + self.misses

    @property
    def hit_rate(self) -> float:
        """Share of lookups that were hits (0.0 before the first lookup)."""
        return self.hits / self.lookups if self.lookups else 0.0

    def reset(self) -> None:
        for counter in fields(self):
            setattr(self, counter.name, 0)

    def as_dict(self) -> dict[str, float]:
        return {"hits": self.hits, "misses": self.misses, "evictions": self.evictions, "hit_rate": self.hit_rate}

    def __add__(self, other: "CacheStats") -> "CacheStats":
        # Lets a sharded cache report one set of figures for all its shards.
        if not isinstance(other, CacheStats):
            return NotImplemented
        return CacheStats(self.hits + other.hits, self.misses + other.misses, self.evictions + other.evictions)

    def format(self) -> str:
        return (f"hits={self.hits} misses={self.misses} evictions={self.evictions} "
                f"hit_rate={self.hit_rate:.1%}")
