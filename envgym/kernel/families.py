"""Installed environment families: an id (``envgym.protocol.ids``) resolved against the family plugins.

A family plugin (entry point ``coding`` in ``envgym.environments``) expands into its suites;
``resolve`` loads the family an id names and checks its suite and task against the family's own.

Example:
    >>> ref = resolve("debug/echo")
    >>> ref.family, ref.suite, ref.suite_id
    ('debug', 'echo', 'debug/echo')
"""

from __future__ import annotations

from dataclasses import dataclass

from envgym.kernel import registry
from envgym.kernel.environment import Environment
from envgym.protocol import Task
from envgym.protocol.errors import UnknownEnvironment
from envgym.protocol.ids import EnvId


@dataclass(frozen=True)
class EnvRef:
    family: str
    suite: str
    cls: type[Environment]
    task_id: str | None = None

    @property
    def suite_id(self) -> str:
        """``family/suite``, without the task."""
        return f"{self.family}/{self.suite}"

    @property
    def id(self) -> str:
        return self.suite_id + (f".{self.task_id}" if self.task_id else "")

    def tasks(self, split: str | None = None) -> list[Task]:
        tasks = self.cls.tasks(self.suite, split)
        if self.task_id is not None:
            tasks = [t for t in tasks if t.id == self.task_id]
        return tasks

    def get_task(self, task_id: str) -> Task:
        return self.cls.get_task(self.suite, task_id)


def load_family(family: str) -> type[Environment]:
    obj = registry.load("environments", family)
    if not (isinstance(obj, type) and issubclass(obj, Environment)):
        obj = obj()  # a factory returning the class
    if not (isinstance(obj, type) and issubclass(obj, Environment)):
        raise UnknownEnvironment(f"the environments plugin {family!r} does not point at an envgym.Environment subclass")
    if not obj.family:
        obj.family = family
    return obj


def resolve(env_id: str) -> EnvRef:
    """Turn an environment id into its family class and suite; raises ``UnknownEnvironment``."""
    family = EnvId.parse(env_id).family
    cls = load_family(family)
    parsed = EnvId.parse(env_id, [s.name for s in cls.suites()])
    if parsed.suite is None:
        return EnvRef(family, cls.default_suite(), cls)
    if parsed.task_id is not None:
        cls.get_task(parsed.suite, parsed.task_id)  # raises UnknownTask with a clear message
    return EnvRef(family, parsed.suite, cls, parsed.task_id)
