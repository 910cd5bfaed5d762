"""The task store: a JSON file holding a list of tasks, rewritten atomically on every change."""

from __future__ import annotations

import json
import os
from typing import Callable

from todo.model import Task, check_priority, normalize_tag


class TaskNotFound(KeyError):
    pass


class Store:
    def __init__(self, path: str) -> None:
        self.path = path

    def load(self) -> list[Task]:
        if not os.path.exists(self.path):
            return []
        with open(self.path, encoding="utf-8") as fh:
            return [Task.from_dict(item) for item in json.load(fh)]

    def save(self, tasks: list[Task]) -> None:
        # Write a sibling file and rename it over the old one, so a crash never leaves half a file.
        tmp = self.path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump([task.to_dict() for task in tasks], fh, indent=2)
        os.replace(tmp, self.path)

    def add(self, title: str, tags: list[str], priority: str = "normal", due: str | None = None) -> Task:
        tasks = self.load()
        next_id = max((task.id for task in tasks), default=0) + 1
        task = Task(id=next_id, title=title.strip(), tags=tags, priority=priority, due=due)
        tasks.append(task)
        self.save(tasks)
        return task

    def _update(self, task_id: int, change: Callable[[Task], None]) -> Task:
        tasks = self.load()
        for task in tasks:
            if task.id == task_id:
                change(task)
                self.save(tasks)
                return task
        raise TaskNotFound(task_id)

    def complete(self, task_id: int) -> Task:
        return self._update(task_id, lambda task: setattr(task, "done", True))

    def reopen(self, task_id: int) -> Task:
        return self._update(task_id, lambda task: setattr(task, "done", False))

    def retag(self, task_id: int, add: list[str], remove: list[str]) -> Task:
        added = {normalize_tag(tag) for tag in add}
        dropped = {normalize_tag(tag) for tag in remove}

        def change(task: Task) -> None:
            task.tags = sorted({*task.tags, *added} - dropped)

        return self._update(task_id, change)

    def set_priority(self, task_id: int, priority: str) -> Task:
        check_priority(priority)
        return self._update(task_id, lambda task: setattr(task, "priority", priority))

    def remove(self, task_id: int) -> Task:
        tasks = self.load()
        for index, task in enumerate(tasks):
            if task.id == task_id:
                del tasks[index]
                self.save(tasks)
                return task
        raise TaskNotFound(task_id)

    def clear_done(self) -> int:
        """Delete every finished task; returns how many were deleted."""
        tasks = self.load()
        remaining = [task for task in tasks if not task.done]
        self.save(remaining)
        return len(tasks) - len(remaining)
