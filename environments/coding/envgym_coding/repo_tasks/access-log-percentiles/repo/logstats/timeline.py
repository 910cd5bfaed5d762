"""Traffic over time: hits and server errors per minute or per hour."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

from logstats.parser import Hit

WIDTHS = ("minute", "hour")


@dataclass
class Bucket:
    start: datetime
    hits: int = 0
    errors: int = 0

    def as_dict(self) -> dict:
        return {"start": self.start.isoformat(), "hits": self.hits, "errors": self.errors}


def bucket_start(when: datetime, width: str) -> datetime:
    if width == "minute":
        return when.replace(second=0, microsecond=0)
    if width == "hour":
        return when.replace(minute=0, second=0, microsecond=0)
    raise ValueError(f"unknown bucket width {width!r} (expected one of {', '.join(WIDTHS)})")


def timeline(hits: Iterable[Hit], width: str = "minute") -> list[Bucket]:
    """Buckets in time order; only buckets with at least one hit are listed."""
    buckets: dict[datetime, Bucket] = {}
    for hit in hits:
        start = bucket_start(hit.time, width)
        bucket = buckets.setdefault(start, Bucket(start))
        bucket.hits += 1
        bucket.errors += hit.is_server_error
    return [buckets[start] for start in sorted(buckets)]
