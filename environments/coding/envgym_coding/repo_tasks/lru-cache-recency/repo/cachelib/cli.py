"""``python -m cachelib TRACE -c 100 -c 1000``: hit rates of an LRU cache of each capacity over a key trace."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Sequence, TextIO

from cachelib.trace import compare_capacities, read_trace


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cachelib", description="Simulate an LRU cache over a trace of keys.")
    parser.add_argument("trace", help="file with one key per line ('-' for stdin)")
    parser.add_argument("-c", "--capacity", type=int, action="append", required=True,
                        help="cache capacity to simulate (repeatable)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    return parser


def format_table(rows: list[tuple[int, dict[str, float]]]) -> str:
    lines = [f"{'capacity':>10} {'hits':>8} {'misses':>8} {'evictions':>10} {'hit rate':>9}"]
    for capacity, s in rows:
        lines.append(f"{capacity:>10} {s['hits']:>8} {s['misses']:>8} {s['evictions']:>10} {s['hit_rate']:>9.1%}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None, stdin: TextIO | None = None, stdout: TextIO | None = None,
         stderr: TextIO | None = None) -> int:
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    args = build_parser().parse_args(argv)
    if any(capacity < 1 for capacity in args.capacity):
        print("cachelib: every --capacity must be at least 1", file=stderr)
        return 2
    if args.trace == "-":
        keys = read_trace(stdin or sys.stdin)
    else:
        with open(args.trace, encoding="utf-8") as handle:
            keys = read_trace(handle)
    rows = [(capacity, stats.as_dict()) for capacity, stats in compare_capacities(keys, args.capacity)]
    if args.json:
        print(json.dumps([{"capacity": capacity, **figures} for capacity, figures in rows]), file=stdout)
    else:
        print(format_table(rows), file=stdout)
    return 0
