"""The task store: a JSON file holding a list of tasks."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field


@dataclass
class Task:
    id: int
    title: str
    tags: list[str] = field(default_factory=list)
    done: bool = False


class Store:
    def __init__(self, path: str) -> None:
        self.path = path

    def load(self) -> list[Task]:
        if not os.path.exists(self.path):
            return []
        with open(self.path) as fh:
            return [Task(**item) for item in json.load(fh)]

    def save(self, tasks: list[Task]) -> None:
        tmp = self.path + ".tmp"
        with open(tmp, "w") as fh:
            json.dump([asdict(t) for t in tasks], fh, indent=2)
        os.replace(tmp, self.path)

    def add(self, title: str, tags: list[str]) -> Task:
        tasks = self.load()
        task = Task(id=max((t.id for t in tasks), default=0) + 1, title=title, tags=sorted({t.lower() for t in tags}))
        tasks.append(task)
        self.save(tasks)
        return task

    def complete(self, task_id: int) -> Task:
        tasks = self.load()
        for task in tasks:
            if task.id == task_id:
                task.done = True
                self.save(tasks)
                return task
        raise KeyError(task_id)
