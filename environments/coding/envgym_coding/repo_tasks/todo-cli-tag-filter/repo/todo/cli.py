"""The ``todo`` command line: add, list, done, undo, rm, retag, tags, stats and clear."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import TextIO

from todo.dates import parse_due
from todo.formatting import format_summary, format_task
from todo.model import PRIORITIES
from todo.query import SORT_KEYS, Filter, select, tag_counts
from todo.store import Store, TaskNotFound


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="todo", description="A to-do list kept in a JSON file.")
    parser.add_argument("--file", default="todo.json", help="the task file (default: ./todo.json)")
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add", help="add a task")
    add.add_argument("title")
    add.add_argument("--tag", action="append", default=[], help="a tag for the task (repeatable)")
    add.add_argument("--priority", choices=PRIORITIES, default="normal")
    add.add_argument("--due", help="due date: 2024-05-31, today, tomorrow, friday, +3d, +2w")
    ls = sub.add_parser("list", help="show tasks, open ones only unless --all")
    ls.add_argument("--all", action="store_true", help="include finished tasks")
    ls.add_argument("--priority", choices=PRIORITIES, help="only tasks with this priority")
    ls.add_argument("--overdue", action="store_true", help="only open tasks past their due date")
    ls.add_argument("--search", help="only tasks whose title contains this text")
    ls.add_argument("--sort", choices=sorted(SORT_KEYS), default="id")
    for name, text in (("done", "mark tasks finished"), ("undo", "mark tasks open again"), ("rm", "delete tasks")):
        command = sub.add_parser(name, help=text)
        command.add_argument("ids", type=int, nargs="+", metavar="ID")
    retag = sub.add_parser("retag", help="add or remove tags of a task")
    retag.add_argument("id", type=int)
    retag.add_argument("--add", action="append", default=[], metavar="TAG")
    retag.add_argument("--remove", action="append", default=[], metavar="TAG")
    priority = sub.add_parser("priority", help="change the priority of a task")
    priority.add_argument("id", type=int)
    priority.add_argument("priority", choices=PRIORITIES)
    sub.add_parser("tags", help="list the tags of open tasks with their counts")
    sub.add_parser("stats", help="count open, finished and overdue tasks")
    sub.add_parser("clear", help="delete every finished task")
    return parser


def _each_id(store: Store, ids: list[int], action: str) -> int:
    """Apply ``action`` to every id; report unknown ids on stderr and fail if any was unknown."""
    change = {"done": store.complete, "undo": store.reopen, "rm": store.remove}[action]
    status = 0
    for task_id in ids:
        try:
            change(task_id)
        except TaskNotFound:
            print(f"no task {task_id}", file=sys.stderr)
            status = 1
    return status


def _list(store: Store, args: argparse.Namespace, today: date, out: TextIO) -> int:
    selection = Filter(include_done=args.all, priority=args.priority, overdue_only=args.overdue, search=args.search)
    for task in select(store.load(), selection, today, args.sort):
        print(format_task(task, today), file=out)
    return 0


def main(argv: list[str] | None = None, out: TextIO | None = None, today: date | None = None) -> int:
    out = out or sys.stdout
    today = today or date.today()
    args = build_parser().parse_args(argv)
    store = Store(args.file)
    try:
        if args.command == "add":
            due = parse_due(args.due, today).isoformat() if args.due else None
            task = store.add(args.title, args.tag, args.priority, due)
            print(f"added {task.id}", file=out)
        elif args.command == "list":
            return _list(store, args, today, out)
        elif args.command in ("done", "undo", "rm"):
            return _each_id(store, args.ids, args.command)
        elif args.command == "retag":
            task = store.retag(args.id, args.add, args.remove)
            print(format_task(task, today), file=out)
        elif args.command == "priority":
            task = store.set_priority(args.id, args.priority)
            print(format_task(task, today), file=out)
        elif args.command == "tags":
            for tag, count in tag_counts(store.load()).items():
                print(f"#{tag} {count}", file=out)
        elif args.command == "stats":
            print(format_summary(store.load(), today), file=out)
        elif args.command == "clear":
            print(f"deleted {store.clear_done()} finished tasks", file=out)
    except TaskNotFound as exc:
        print(f"no task {exc.args[0]}", file=sys.stderr)
        return 1
    except (OSError, ValueError) as exc:
        print(f"todo: {exc}", file=sys.stderr)
        return 1
    return 0
