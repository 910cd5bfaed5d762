"""``python -m cronlite "EXPR" [--after 2024-03-01T08:00] [--count 5] [--describe]``."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from itertools import islice
from typing import TextIO

from cronlite.describe import describe
from cronlite.fields import CronError
from cronlite.schedule import Cron


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cronlite", description="Show the next run times of a cron expression.")
    parser.add_argument("expression", help='five fields, e.g. "*/15 9-17 * * mon-fri", or a macro like @daily')
    parser.add_argument("--after", type=datetime.fromisoformat, help="start time (default: now)")
    parser.add_argument("--count", type=int, default=5, help="how many run times to print")
    parser.add_argument("--describe", action="store_true", help="print the schedule in words first")
    return parser


def main(argv: list[str] | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    args = build_parser().parse_args(argv)
    if args.count < 1:
        print("error: --count must be at least 1", file=sys.stderr)
        return 2
    try:
        cron = Cron.parse(args.expression)
        if args.describe:
            print(describe(args.expression), file=out)
        after = args.after or datetime.now().replace(second=0, microsecond=0)
        for run in islice(cron.iter_runs(after), args.count):
            print(run.isoformat(sep=" ", timespec="minutes"), file=out)
    except CronError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
