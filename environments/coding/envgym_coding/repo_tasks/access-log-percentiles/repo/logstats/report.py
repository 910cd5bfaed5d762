"""Plain-text rendering of summaries for the terminal."""

from __future__ import annotations

from logstats.timeline import Bucket

UNITS = ("B", "KiB", "MiB", "GiB", "TiB")


def format_bytes(size: int) -> str:
    """``1536`` -> ``"1.5 KiB"``; sizes below 1 KiB stay exact."""
    if size < 1024:
        return f"{size} B"
    value, unit = float(size), UNITS[0]
    for unit in UNITS[1:]:
        value /= 1024
        if value < 1024:
            break
    return f"{value:.1f} {unit}"


def render_summary(summary: dict[str, dict], path_width: int = 30) -> list[str]:
    lines = []
    for path, row in summary.items():
        shown = path if len(path) <= path_width else path[: path_width - 3] + "..."
        lines.append(f"{shown:<{path_width}} {row['hits']:>6} hits {row['errors']:>4} errors "
                     f"{format_bytes(row['bytes']):>10} {row['mean_ms']:>9.2f} ms")
    return lines


def render_statuses(breakdown: dict[str, int]) -> str:
    return "status: " + "  ".join(f"{cls} {count}" for cls, count in breakdown.items())


def render_timeline(buckets: list[Bucket], bar_width: int = 40) -> list[str]:
    """One line per bucket with a bar scaled to the busiest bucket."""
    busiest = max((b.hits for b in buckets), default=0)
    lines = []
    for bucket in buckets:
        bar = "#" * max(1, round(bucket.hits / busiest * bar_width)) if busiest else ""
        lines.append(f"{bucket.start:%Y-%m-%d %H:%M} {bucket.hits:>6} {bucket.errors:>4} {bar}")
    return lines
