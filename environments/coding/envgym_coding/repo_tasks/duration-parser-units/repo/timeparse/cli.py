"""``python -m timeparse 1h30m 2d [--to verbose] [--sum]`` prints each duration (in seconds by default)."""

from __future__ import annotations

import argparse
import sys

from timeparse.errors import DurationError
from timeparse.format import format_clock, format_duration, format_verbose
from timeparse.iso import format_iso_duration
from timeparse.parse import parse_duration

FORMATS = {
    "seconds": str,
    "compact": format_duration,
    "verbose": format_verbose,
    "clock": format_clock,
    "iso": format_iso_duration,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="timeparse", description="Convert human-readable durations.")
    parser.add_argument("durations", nargs="+", metavar="DURATION", help='e.g. 1h30m, "2 days 4 hours", 1:30:00')
    parser.add_argument("--to", choices=sorted(FORMATS), default="seconds", help="output form (default: seconds)")
    parser.add_argument("--sum", action="store_true", help="print only the total of all durations")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    render = FORMATS[args.to]
    try:
        values = [parse_duration(text) for text in args.durations]
        for value in [sum(values)] if args.sum else values:
            print(render(value))
    except DurationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
