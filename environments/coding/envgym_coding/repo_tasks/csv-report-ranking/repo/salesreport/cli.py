"""``python -m salesreport orders.csv [--format text|csv|json] [--top N] [--since D] [--until D] ...``."""

from __future__ import annotations

import argparse
import sys

from salesreport.export import to_csv, to_json
from salesreport.filters import OrderFilter
from salesreport.monthly import monthly_totals, render_monthly
from salesreport.reader import ReportError, parse_date, read_orders
from salesreport.summary import render, summarize


def _date(text: str):
    try:
        return parse_date(text)
    except ReportError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="salesreport", description="Revenue per region from an order export.")
    parser.add_argument("file", help="the CSV export (columns order_id, region, amount; date and customer optional)")
    parser.add_argument("--format", choices=("text", "csv", "json"), default="text")
    parser.add_argument("--top", type=int, metavar="N", help="only the N best regions")
    parser.add_argument("--since", type=_date, help="only orders on or after this date")
    parser.add_argument("--until", type=_date, help="only orders on or before this date")
    parser.add_argument("--region", action="append", default=[], help="only this region (repeatable)")
    parser.add_argument("--monthly", action="store_true", help="append revenue per month (text format only)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.top is not None and args.top < 1:
        print("error: --top must be at least 1", file=sys.stderr)
        return 2
    try:
        with open(args.file, newline="", encoding="utf-8") as fh:
            orders = read_orders(fh.read())
    except (OSError, ReportError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    orders = OrderFilter(args.since, args.until, frozenset(r.lower() for r in args.region)).apply(orders)
    summaries = summarize(orders)[: args.top]
    if args.format == "csv":
        print(to_csv(summaries), end="")
    elif args.format == "json":
        print(to_json(summaries), end="")
    else:
        print(render(summaries), end="")
        if args.monthly:
            print()
            print(render_monthly(monthly_totals(orders)), end="")
    return 0
