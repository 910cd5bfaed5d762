"""``python -m jpath``: read, change and list paths in a JSON file from the shell."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Sequence, TextIO

from jpath.access import delete, require, set_value
from jpath.errors import PathError, PathNotFound
from jpath.flat import flatten

EXIT_NOT_FOUND = 1
EXIT_BAD_INPUT = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jpath", description="Query and edit JSON documents by path.")
    commands = parser.add_subparsers(dest="command", required=True)
    get = commands.add_parser("get", help="print the value at PATH as JSON")
    get.add_argument("file", help="JSON file ('-' for stdin)")
    get.add_argument("path")
    get.add_argument("--default", help="JSON printed when nothing is at PATH (instead of failing)")
    put = commands.add_parser("set", help="print the document with VALUE (JSON) stored at PATH")
    put.add_argument("file")
    put.add_argument("path")
    put.add_argument("value", help="a JSON value; plain text that is not JSON is stored as a string")
    remove = commands.add_parser("del", help="print the document without PATH")
    remove.add_argument("file")
    remove.add_argument("path")
    listing = commands.add_parser("paths", help="print every leaf as 'PATH = JSON'")
    listing.add_argument("file")
    return parser


def _load(name: str, stdin: TextIO) -> Any:
    if name == "-":
        return json.load(stdin)
    with open(name, encoding="utf-8") as handle:
        return json.load(handle)


def _parse_value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def run(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> None:
    doc = _load(args.file, stdin)
    if args.command == "get":
        try:
            value = require(doc, args.path)
        except PathNotFound:
            if args.default is None:
                raise
            value = json.loads(args.default)
        print(json.dumps(value, ensure_ascii=False), file=stdout)
    elif args.command == "set":
        set_value(doc, args.path, _parse_value(args.value))
        print(json.dumps(doc, indent=2, ensure_ascii=False), file=stdout)
    elif args.command == "del":
        delete(doc, args.path)
        print(json.dumps(doc, indent=2, ensure_ascii=False), file=stdout)
    else:
        for path, value in flatten(doc).items():
            print(f"{path} = {json.dumps(value, ensure_ascii=False)}", file=stdout)


def main(argv: Sequence[str] | None = None, stdin: TextIO | None = None, stdout: TextIO | None = None,
         stderr: TextIO | None = None) -> int:
    stderr = stderr or sys.stderr
    args = build_parser().parse_args(argv)
    try:
        run(args, stdin or sys.stdin, stdout or sys.stdout)
    except PathNotFound as exc:
        print(f"jpath: {exc}", file=stderr)
        return EXIT_NOT_FOUND
    except (PathError, json.JSONDecodeError, OSError) as exc:
        print(f"jpath: {exc}", file=stderr)
        return EXIT_BAD_INPUT
    return 0
