"""``python -m mdtoc``: print, update or check the table of contents of Markdown files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence, TextIO

from mdtoc.links import broken_links
from mdtoc.toc import START_MARKER, insert_toc, render_toc

EXIT_STALE = 1
EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mdtoc", description="Tables of contents for Markdown files.")
    parser.add_argument("files", nargs="+", type=Path, help="Markdown files")
    parser.add_argument("--min-level", type=int, default=1, help="shallowest heading level listed (default: 1)")
    parser.add_argument("--max-level", type=int, default=3, help="deepest heading level listed (default: 3)")
    parser.add_argument("--numbered", action="store_true", help="a numbered list instead of bullets")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--in-place", action="store_true", help=f"rewrite the TOC after {START_MARKER} in each file")
    mode.add_argument("--check", action="store_true", help="exit 1 if any file's TOC is out of date (for CI)")
    mode.add_argument("--links", action="store_true", help="exit 1 if a link points to an anchor no heading has")
    return parser


def _report_broken_links(path: Path, text: str, stdout: TextIO) -> bool:
    """Print every broken anchor link of the file; returns whether there was any."""
    links = broken_links(text)
    for link in links:
        print(f"{path}:{link.line}: no heading has the anchor #{link.anchor}", file=stdout)
    return bool(links)


def _update_toc(path: Path, text: str, write: bool, options: dict[str, int], stdout: TextIO, stderr: TextIO) -> bool:
    """Refresh (``write``) or only compare the file's TOC; returns whether it was out of date."""
    if START_MARKER not in text:
        print(f"mdtoc: {path}: no {START_MARKER} marker, skipped", file=stderr)
        return False
    updated = insert_toc(text, **options)
    if updated == text:
        return False
    if write:
        path.write_text(updated, encoding="utf-8")
        print(f"updated {path}", file=stdout)
    else:
        print(f"{path}: table of contents is out of date", file=stdout)
    return True


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    args = build_parser().parse_args(argv)
    if not 1 <= args.min_level <= args.max_level <= 6:
        print("mdtoc: need 1 <= --min-level <= --max-level <= 6", file=stderr)
        return EXIT_USAGE
    options = {"min_level": args.min_level, "max_level": args.max_level, "numbered": args.numbered}
    problems = False
    for path in args.files:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            print(f"mdtoc: {exc}", file=stderr)
            return EXIT_USAGE
        if args.links:
            problems |= _report_broken_links(path, text, stdout)
        elif args.in_place or args.check:
            problems |= _update_toc(path, text, args.in_place, options, stdout, stderr)
        else:
            if len(args.files) > 1:
                print(f"==> {path} <==", file=stdout)
            stdout.write(render_toc(text, **options))
    return EXIT_STALE if problems and (args.check or args.links) else 0
