"""Parsing access-log lines: ``IP - - [time] "METHOD PATH HTTP/x" STATUS BYTES LATENCY_MS``."""

from __future__ import annotations

import re
from dataclasses import dataclass

LINE = re.compile(r'^(?P<ip>\S+) \S+ \S+ \[(?P<time>[^\]]+)\] "(?P<method>[A-Z]+) (?P<path>\S+) [^"]*" '
                  r"(?P<status>\d{3}) (?P<bytes>\d+|-) (?P<latency>\d+(?:\.\d+)?)$")


@dataclass(frozen=True)
class Hit:
    ip: str
    method: str
    path: str
    status: int
    size: int
    latency_ms: float


def parse_line(line: str) -> Hit | None:
    match = LINE.match(line.strip())
    if not match:
        return None
    path = match["path"].split("?", 1)[0]
    return Hit(match["ip"], match["method"], path, int(match["status"]),
               0 if match["bytes"] == "-" else int(match["bytes"]), float(match["latency"]))


def parse_log(text: str) -> tuple[list[Hit], int]:
    """The hits, and how many lines could not be parsed."""
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
