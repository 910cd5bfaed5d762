"""``python -m workcal add 2024-03-01 5``, ``between A B``, ``month 2024-03``, ``holidays 2024``."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import TextIO

from workcal.calendar import add_business_days, business_days_between, business_days_in_month
from workcal.holidays import DEFAULT_NAMES, holidays_between, named_holidays
from workcal.parsing import parse_date, parse_holiday_file, parse_month

# Roughly 250 business days a year; one spare year on each side covers holidays near year ends.
BUSINESS_DAYS_PER_YEAR = 250


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="workcal", description="Business-day arithmetic.")
    parser.add_argument("--no-public-holidays", action="store_true", help="count only weekends as days off")
    parser.add_argument("--substitute", action="store_true", help="weekend holidays give the next weekday off")
    parser.add_argument("--holidays", metavar="FILE", help="extra company holidays, one ISO date per line")
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="the business day N business days after DATE")
    add.add_argument("start", type=parse_date)
    add.add_argument("n", type=int)
    between = commands.add_parser("between", help="business days after START up to and including END")
    between.add_argument("start", type=parse_date)
    between.add_argument("end", type=parse_date)
    month = commands.add_parser("month", help="list the business days of a month")
    month.add_argument("month", type=parse_month)
    holidays = commands.add_parser("holidays", help="list the public holidays of a year")
    holidays.add_argument("year", type=int)
    return parser


def holidays_around(args: argparse.Namespace, first: date, last: date) -> set[date]:
    days: set[date] = set()
    if not args.no_public_holidays:
        days = holidays_between(first.year - 1, last.year + 1, DEFAULT_NAMES, args.substitute)
    if args.holidays:
        with open(args.holidays) as fh:
            days |= set(parse_holiday_file(fh.read()))
    return days


def run(args: argparse.Namespace, out: TextIO) -> None:
    if args.command == "add":
        years = abs(args.n) // BUSINESS_DAYS_PER_YEAR + 1
        span = (date(max(1, args.start.year - years), 1, 1), date(min(9999, args.start.year + years), 12, 31))
        print(add_business_days(args.start, args.n, holidays_around(args, *span)).isoformat(), file=out)
    elif args.command == "between":
        span = sorted((args.start, args.end))
        print(business_days_between(args.start, args.end, holidays_around(args, *span)), file=out)
    elif args.command == "month":
        year, month = args.month
        days = business_days_in_month(year, month, holidays_around(args, date(year, month, 1), date(year, month, 1)))
        for day in days:
            print(f"{day.isoformat()} {day:%a}", file=out)
        print(f"{len(days)} business days", file=out)
    else:
        for day, name in sorted(named_holidays(args.year, DEFAULT_NAMES, args.substitute).items()):
            print(f"{day.isoformat()} {day:%a} {name}", file=out)


def main(argv: list[str] | None = None, out: TextIO | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        run(args, out or sys.stdout)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
