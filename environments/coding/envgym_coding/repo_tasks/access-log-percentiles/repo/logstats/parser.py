"""Parsing access-log lines.

The format is the common log format with the request latency in milliseconds appended, as our proxies
write it::

    10.0.0.1 - alice [10/Oct/2024:13:55:36 +0000] "GET /api/items?page=2 HTTP/1.1" 200 512 12.5
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from datetime import datetime

TIME_FORMAT = "%d/%b/%Y:%H:%M:%S %z"
LINE = re.compile(r'^(?P<ip>\S+) \S+ (?P<user>\S+) \[(?P<time>[^\]]+)\] "(?P<method>[A-Z]+) (?P<target>\S+) [^"]*" '
                  r"(?P<status>\d{3}) (?P<bytes>\d+|-) (?P<latency>\d+(?:\.\d+)?)$")


@dataclass(frozen=True)
class Hit:
    """One request as the log recorded it."""

    ip: str
    user: str | None
    time: datetime
    method: str
    path: str
    query: str
    status: int
    size: int
    latency_ms: float

    @property
    def status_class(self) -> str:
        """``"2xx"``, ``"4xx"``, ... as used by the ``--status`` filter."""
        return f"{self.status // 100}xx"

    @property
    def is_server_error(self) -> bool:
        return self.status >= 500


def parse_time(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, TIME_FORMAT)
    except ValueError:
        return None


def parse_line(line: str) -> Hit | None:
    """The hit on ``line``, or None if the line is not an access-log entry."""
    match = LINE.match(line.strip())
    if not match:
        return None
    when = parse_time(match["time"])
    if when is None:
        return None
    path, _, query = match["target"].partition("?")
    user = None if match["user"] == "-" else match["user"]
    size = 0 if match["bytes"] == "-" else int(match["bytes"])
    return Hit(match["ip"], user, when, match["method"], path, query, int(match["status"]), size,
               float(match["latency"]))


def parse_log(text: str) -> tuple[list[Hit], int]:
    """The hits, and how many non-blank lines could not be parsed."""
    hits, bad = [], 0
    for line in text.splitlines():
        if not line.strip():
            continue
        hit = parse_line(line)
        if hit is None:
            bad += 1
        else:
            hits.append(hit)
    return hits, bad


def read_log(path: str) -> tuple[list[Hit], int]:
    """Like :func:`parse_log` for a file; rotated logs compressed with gzip (``*.gz``) are read as well."""
    if path.endswith(".gz"):
        with gzip.open(path, "rt", encoding="utf-8", errors="replace") as fh:
            return parse_log(fh.read())
    # Proxies occasionally log raw bytes from clients; one bad byte must not abort the whole report.
    with open(path, encoding="utf-8", errors="replace") as fh:
        return parse_log(fh.read())
