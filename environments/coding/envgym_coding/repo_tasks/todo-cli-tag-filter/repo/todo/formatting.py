"""How tasks look on the terminal: one line per task, ``[x]  12 title #tag !high (due tomorrow)``."""

from __future__ import annotations

from datetime import date

from todo.dates import describe_due
from todo.model import Task


def format_task(task: Task, today: date) -> str:
    mark = "x" if task.done else " "
    tags = "".join(f" #{tag}" for tag in task.tags)
    line = f"[{mark}] {task.id:>3} {task.title}{tags}"
    # Normal priority and no due date add nothing, so the common line stays short.
    if task.priority != "normal":
        line += f" !{task.priority}"
    due = task.due_date
    if due is not None:
        line += f" (due {describe_due(due, today)}{', overdue' if task.is_overdue(today) else ''})"
    return line


def format_summary(tasks: list[Task], today: date) -> str:
    done = sum(task.done for task in tasks)
    overdue = sum(task.is_overdue(today) for task in tasks)
    summary = f"{len(tasks) - done} open, {done} done"
    return summary + (f", {overdue} overdue" if overdue else "")
