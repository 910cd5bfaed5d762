"""``python -m pager``: show one page of a text file's lines, with a footer and the page links."""

from __future__ import annotations

import argparse
import sys
from typing import Sequence, TextIO

from pager.core import Paginator
from pager.errors import PageOutOfRange
from pager.links import page_links


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pager", description="Show one page of lines from a file (or stdin).")
    parser.add_argument("file", nargs="?", help="the file to read (default: stdin)")
    parser.add_argument("-n", "--per-page", type=int, default=20, help="lines per page (default: 20)")
    parser.add_argument("-p", "--page", type=int, default=1, help="the page to show (default: 1)")
    parser.add_argument("--count", action="store_true", help="only print the number of pages")
    parser.add_argument("--numbers", action="store_true", help="prefix every line with its line number")
    return parser


def footer(paginator: Paginator, number: int) -> str:
    page = paginator.page(number)
    links = " ".join(page_links(paginator, number))
    return f"-- page {number}/{paginator.total_pages} ({page.summary('lines')}) -- {links}"


def main(argv: Sequence[str] | None = None, stdin: TextIO | None = None, stdout: TextIO | None = None,
         stderr: TextIO | None = None) -> int:
    stdin, stdout, stderr = stdin or sys.stdin, stdout or sys.stdout, stderr or sys.stderr
    args = build_parser().parse_args(argv)
    if args.per_page < 1:
        print("pager: --per-page must be at least 1", file=stderr)
        return 2
    if args.file:
        with open(args.file, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    else:
        lines = stdin.read().splitlines()
    paginator = Paginator(lines, args.per_page)
    if args.count:
        print(paginator.total_pages, file=stdout)
        return 0
    try:
        page = paginator.page(args.page)
    except PageOutOfRange as exc:
        print(f"pager: {exc}", file=stderr)
        return 1
    for position, line in enumerate(page, start=page.start_index):
        print(f"{position:6d}  {line}" if args.numbers else line, file=stdout)
    print(footer(paginator, args.page), file=stdout)
    return 0
