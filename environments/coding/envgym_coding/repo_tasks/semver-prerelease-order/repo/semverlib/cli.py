"""``python -m semverlib``: sort, pick, bump, compare and range-check versions from the shell."""

from __future__ import annotations

import argparse
import sys
from typing import Sequence, TextIO

from semverlib.errors import InvalidRange, InvalidVersion
from semverlib.ranges import latest, max_satisfying, satisfies, sort_versions
from semverlib.version import PARTS, Version, compare


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="semverlib", description="Semantic version tools.")
    commands = parser.add_subparsers(dest="command", required=True)
    sort = commands.add_parser("sort", help="print the versions in precedence order, one per line")
    sort.add_argument("versions", nargs="+")
    sort.add_argument("-r", "--reverse", action="store_true")
    pick = commands.add_parser("latest", help="print the highest version (optionally within a range)")
    pick.add_argument("versions", nargs="+")
    pick.add_argument("--range", dest="spec", help="only versions in this range, e.g. '^1.2'")
    pick.add_argument("--pre", action="store_true", help="consider pre-releases too")
    bump = commands.add_parser("bump", help="print the next version")
    bump.add_argument("part", choices=PARTS)
    bump.add_argument("version")
    bump.add_argument("--pre", metavar="ID", help="make it the first pre-release with this id, e.g. rc")
    check = commands.add_parser("satisfies", help="exit 0 if VERSION is in RANGE, else 1")
    check.add_argument("version")
    check.add_argument("spec", metavar="RANGE")
    cmp = commands.add_parser("compare", help="print -1, 0 or 1")
    cmp.add_argument("a")
    cmp.add_argument("b")
    return parser


def run(args: argparse.Namespace, stdout: TextIO) -> int:
    if args.command == "sort":
        print("\n".join(sort_versions(args.versions, reverse=args.reverse)), file=stdout)
    elif args.command == "latest":
        found = (max_satisfying(args.versions, args.spec, args.pre) if args.spec
                 else latest(args.versions, args.pre))
        if found is None:
            return 1
        print(found, file=stdout)
    elif args.command == "bump":
        print(Version.parse(args.version).bump(args.part, args.pre), file=stdout)
    elif args.command == "satisfies":
        return 0 if satisfies(args.version, args.spec) else 1
    else:
        print(compare(args.a, args.b), file=stdout)
    return 0


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Exit codes: 0 success, 1 "no" (not satisfied, nothing found), 2 invalid input."""
    args = build_parser().parse_args(argv)
    try:
        return run(args, stdout or sys.stdout)
    except (InvalidVersion, InvalidRange) as exc:
        print(f"semverlib: {exc}", file=stderr or sys.stderr)
        return 2
