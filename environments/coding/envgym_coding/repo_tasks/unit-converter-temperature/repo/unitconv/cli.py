"""The ``unitconv`` command: ``unitconv 3.5 km mi``, ``unitconv "3.5 km to mi"`` or ``unitconv --list``."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from unitconv.convert import convert, convert_text
from unitconv.errors import UnknownUnit
from unitconv.formatting import format_quantity, humanize
from unitconv.registry import REGISTRY


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="unitconv", description="Convert quantities between units.")
    parser.add_argument("words", nargs="*", metavar="ARG",
                        help="VALUE FROM TO, or one request such as '3.5 km to mi'")
    parser.add_argument("--precision", type=int, default=4, help="decimals to show (default 4)")
    parser.add_argument("--human", action="store_true", help="show the result in the most readable unit")
    parser.add_argument("--list", nargs="?", const="", metavar="DIMENSION", help="list the units (of one dimension)")
    return parser


def _list_units(dimension: str, out: TextIO) -> None:
    for dim in [dimension] if dimension else REGISTRY.dimensions():
        print(f"{dim}:", file=out)
        for unit in REGISTRY.units_of(dim):
            aliases = ", ".join(REGISTRY.aliases_of(unit.symbol))
            print(f"  {unit.symbol:<5} {aliases}".rstrip(), file=out)


def _convert(words: list[str]) -> tuple[float, str]:
    if len(words) == 1:
        return convert_text(words[0])
    if len(words) == 3:
        try:
            value = float(words[0])
        except ValueError:
            raise ValueError(f"not a number: {words[0]!r}") from None
        return convert(value, words[1], words[2]), words[2]
    raise ValueError("expected VALUE FROM TO, or one request such as '3.5 km to mi'")


def main(argv: list[str] | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    args = build_parser().parse_args(argv)
    try:
        if args.list is not None:
            _list_units(args.list, out)
            return 0
        value, unit = _convert(args.words)
        if args.human:
            value, unit = humanize(value, unit)
        print(format_quantity(value, unit, args.precision), file=out)
    except UnknownUnit as exc:
        print(f"unitconv: unknown unit {exc.args[0]!r}", file=sys.stderr)
        return 2
    except (ValueError, KeyError) as exc:
        print(f"unitconv: {exc}", file=sys.stderr)
        return 2
    return 0
