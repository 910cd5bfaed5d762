"""Selecting the hits a report is about (time window, methods, status classes, path prefix)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable

from logstats.parser import Hit

STATUS_CLASSES = ("1xx", "2xx", "3xx", "4xx", "5xx")


@dataclass(frozen=True)
class HitFilter:
    """Empty fields accept everything; ``until`` is exclusive so consecutive windows do not overlap."""

    since: datetime | None = None
    until: datetime | None = None
    methods: frozenset[str] = frozenset()
    status_classes: frozenset[str] = frozenset()
    path_prefix: str = ""

    def accepts(self, hit: Hit) -> bool:
        if self.since is not None and hit.time < self.since:
            return False
        if self.until is not None and hit.time >= self.until:
            return False
        if self.methods and hit.method not in self.methods:
            return False
        if self.status_classes and hit.status_class not in self.status_classes:
            return False
        return hit.path.startswith(self.path_prefix)

    def apply(self, hits: Iterable[Hit]) -> list[Hit]:
        return [hit for hit in hits if self.accepts(hit)]


def parse_status_classes(text: str) -> frozenset[str]:
    """``"2xx,5xx"`` -> the set of classes; a bare digit such as ``5`` means ``5xx``."""
    classes = set()
    for item in text.split(","):
        item = item.strip().lower()
        if len(item) == 1 and item.isdigit():
            item += "xx"
        if item not in STATUS_CLASSES:
            raise ValueError(f"unknown status class {item!r} (expected one of {', '.join(STATUS_CLASSES)})")
        classes.add(item)
    return frozenset(classes)


def parse_when(text: str) -> datetime:
    """An ISO 8601 date or date-time; times without an offset are taken as UTC, like the logs."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO 8601 date or time") from None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)
