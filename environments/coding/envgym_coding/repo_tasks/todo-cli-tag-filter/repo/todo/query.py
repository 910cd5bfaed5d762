"""Choosing and ordering the tasks that ``todo list`` shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Callable

from todo.model import PRIORITIES, Task

# Tasks without a due date sort after every dated one.
_NO_DUE = date.max

SORT_KEYS: dict[str, Callable[[Task], Any]] = {
    "id": lambda task: task.id,
    "title": lambda task: (task.title.lower(), task.id),
    "due": lambda task: (task.due_date or _NO_DUE, task.id),
    "priority": lambda task: (-PRIORITIES.index(task.priority), task.id),
}


@dataclass(frozen=True)
class Filter:
    include_done: bool = False
    priority: str | None = None
    overdue_only: bool = False
    search: str | None = None  # a case-insensitive substring of the title

    def matches(self, task: Task, today: date) -> bool:
        if task.done and not self.include_done:
            return False
        if self.priority is not None and task.priority != self.priority:
            return False
        if self.overdue_only and not task.is_overdue(today):
            return False
        if self.search is not None and self.search.lower() not in task.title.lower():
            return False
        return True


def select(tasks: list[Task], selection: Filter, today: date, sort: str = "id") -> list[Task]:
    if sort not in SORT_KEYS:
        raise ValueError(f"cannot sort by {sort!r} (choose from {', '.join(SORT_KEYS)})")
    return sorted((task for task in tasks if selection.matches(task, today)), key=SORT_KEYS[sort])


def tag_counts(tasks: list[Task]) -> dict[str, int]:
    """How many open tasks carry each tag, by tag name."""
    counts: dict[str, int] = {}
    for task in tasks:
        if not task.done:
            for tag in task.tags:
                counts[tag] = counts.get(tag, 0) + 1
    return dict(sorted(counts.items()))
