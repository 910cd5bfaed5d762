"""Aggregations over hits."""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from logstats.parser import Hit


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def summarize(hits: Iterable[Hit]) -> dict[str, dict]:
    by_path: dict[str, list[Hit]] = defaultdict(list)
    for hit in hits:
        by_path[hit.path].append(hit)
    summary = {}
    for path, group in sorted(by_path.items()):
        latencies = [h.latency_ms for h in group]
        summary[path] = {
            "hits": len(group),
            "errors": sum(1 for h in group if h.status >= 500),
            "bytes": sum(h.size for h in group),
            "mean_ms": round(mean(latencies), 2),
        }
    return summary
