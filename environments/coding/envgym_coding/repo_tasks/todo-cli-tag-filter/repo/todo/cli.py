"""The ``todo`` command line: add, list, done."""

from __future__ import annotations

import argparse
import sys

from todo.store import Store, Task


def format_task(task: Task) -> str:
    mark = "x" if task.done else " "
    tags = "".join(f" #{t}" for t in task.tags)
    return f"[{mark}] {task.id:>3} {task.title}{tags}"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="todo")
    parser.add_argument("--file", default="todo.json")
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add")
    add.add_argument("title")
    add.add_argument("--tag", action="append", default=[])
    ls = sub.add_parser("list")
    ls.add_argument("--all", action="store_true", help="include finished tasks")
    done = sub.add_parser("done")
    done.add_argument("id", type=int)
    return parser


def main(argv: list[str] | None = None, out=None) -> int:
    out = out or sys.stdout
    args = build_parser().parse_args(argv)
    store = Store(args.file)
    if args.command == "add":
        task = store.add(args.title, args.tag)
        print(f"added {task.id}", file=out)
    elif args.command == "list":
        for task in store.load():
            if task.done and not args.all:
                continue
            print(format_task(task), file=out)
    elif args.command == "done":
        try:
            store.complete(args.id)
        except KeyError:
            print(f"no task {args.id}", file=sys.stderr)
            return 1
    return 0
