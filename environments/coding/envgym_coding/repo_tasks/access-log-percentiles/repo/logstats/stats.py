"""Aggregations over hits."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Iterable

from logstats.parser import Hit

SORT_KEYS = ("path", "hits", "errors", "bytes", "mean_ms")


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _row(group: list[Hit]) -> dict:
    latencies = [h.latency_ms for h in group]
    return {
        "hits": len(group),
        "errors": sum(1 for h in group if h.is_server_error),
        "bytes": sum(h.size for h in group),
        "mean_ms": round(mean(latencies), 2),
    }


def summarize(hits: Iterable[Hit]) -> dict[str, dict]:
    """One row per path (query strings ignored), in path order."""
    by_path: dict[str, list[Hit]] = defaultdict(list)
    for hit in hits:
        by_path[hit.path].append(hit)
    return {path: _row(group) for path, group in sorted(by_path.items())}


def totals(hits: list[Hit]) -> dict:
    """Figures over all paths: hits, server errors, bytes, distinct clients and the server-error rate."""
    count = len(hits)
    errors = sum(1 for h in hits if h.is_server_error)
    return {"hits": count, "errors": errors, "bytes": sum(h.size for h in hits),
            "clients": len({h.ip for h in hits}), "error_rate": round(errors / count, 4) if count else 0.0}


def status_breakdown(hits: Iterable[Hit]) -> dict[str, int]:
    counts = Counter(h.status_class for h in hits)
    return dict(sorted(counts.items()))


def top(summary: dict[str, dict], key: str = "hits", limit: int | None = None) -> dict[str, dict]:
    """The rows ordered by ``key`` (largest first, except ``path``), at most ``limit`` of them."""
    if key not in SORT_KEYS:
        raise ValueError(f"cannot sort by {key!r} (expected one of {', '.join(SORT_KEYS)})")
    if key == "path":
        ordered = sorted(summary.items())
    else:
        # Ties keep path order, so the report is stable from one run to the next.
        ordered = sorted(summary.items(), key=lambda item: (-item[1][key], item[0]))
    if limit is not None:
        ordered = ordered[:limit]
    return dict(ordered)
