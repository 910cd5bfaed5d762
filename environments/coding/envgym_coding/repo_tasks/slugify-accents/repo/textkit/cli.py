"""The ``textkit`` command line: slugs, titles, excerpts and reading statistics for the blog's authors."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from textkit.markup import excerpt, strip_tags
from textkit.slug import DEFAULT_SEPARATOR, slugify
from textkit.unique import SlugRegistry
from textkit.words import reading_time, title_case, word_count


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="textkit", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    slug = sub.add_parser("slug", help="print the slug of each TEXT, one per line")
    slug.add_argument("texts", nargs="+", metavar="TEXT")
    slug.add_argument("--separator", default=DEFAULT_SEPARATOR)
    slug.add_argument("--max-length", type=int)
    slug.add_argument("--unique", action="store_true", help="number repeated slugs: a, a-2, a-3")
    title = sub.add_parser("title", help="print TEXT in title case")
    title.add_argument("text")
    cut = sub.add_parser("excerpt", help="print a plain-text excerpt of an HTML file ('-' reads stdin)")
    cut.add_argument("file")
    cut.add_argument("--chars", type=int, default=160)
    stats = sub.add_parser("stats", help="print word count and reading time of an HTML file")
    stats.add_argument("file")
    stats.add_argument("--wpm", type=int, default=200, help="reading speed in words per minute")
    return parser


def main(argv: list[str] | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    args = build_parser().parse_args(argv)
    try:
        if args.command == "slug":
            registry = SlugRegistry(separator=args.separator, max_length=args.max_length)
            for text in args.texts:
                if args.unique:
                    print(registry.claim(text), file=out)
                else:
                    print(slugify(text, args.separator, args.max_length), file=out)
        elif args.command == "title":
            print(title_case(args.text), file=out)
        elif args.command == "excerpt":
            print(excerpt(_read(args.file), args.chars), file=out)
        elif args.command == "stats":
            text = strip_tags(_read(args.file))
            print(f"words: {word_count(text)}", file=out)
            print(f"reading time: {reading_time(text, args.wpm)} min", file=out)
    except (OSError, ValueError) as exc:
        print(f"textkit: {exc}", file=sys.stderr)
        return 1
    return 0
