"""``python -m stockroom --journal stock.jsonl receive apple north 5`` (also ship, transfer, count, levels)."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from stockroom import journal
from stockroom.models import LedgerError
from stockroom.report import format_stock_table


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stockroom", description="Record stock movements.")
    parser.add_argument("--journal", default="stock.jsonl", help="the journal file (created on first use)")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (("receive", "units arrived"), ("ship", "units left")):
        command = commands.add_parser(name, help=text)
        command.add_argument("sku")
        command.add_argument("warehouse")
        command.add_argument("quantity", type=int)
        command.add_argument("--reference", default="")
    transfer = commands.add_parser("transfer", help="move units between warehouses")
    transfer.add_argument("sku")
    transfer.add_argument("source")
    transfer.add_argument("target")
    transfer.add_argument("quantity", type=int)
    count = commands.add_parser("count", help="record a stock count (sets the level)")
    count.add_argument("sku")
    count.add_argument("warehouse")
    count.add_argument("counted", type=int)
    count.add_argument("--note", default="")
    commands.add_parser("levels", help="print the stock table")
    return parser


def main(argv: list[str] | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    args = build_parser().parse_args(argv)
    try:
        ledger = journal.load(args.journal)
        if args.command == "levels":
            print(format_stock_table(ledger), end="", file=out)
            return 0
        if args.command == "receive":
            ledger.receive(args.sku, args.warehouse, args.quantity, args.reference)
        elif args.command == "ship":
            ledger.ship(args.sku, args.warehouse, args.quantity, args.reference)
        elif args.command == "transfer":
            ledger.transfer(args.sku, args.source, args.target, args.quantity)
        else:
            ledger.adjust(args.sku, args.warehouse, args.counted, args.note)
        journal.save(ledger, args.journal)
    except (LedgerError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
