"""Environment ids: ``family``, ``family/suite`` or ``family/suite.task``.

A family plugin (entry point ``coding`` in ``envgym.environments``) expands into its suites, so
``coding/humaneval`` is suite ``humaneval`` of family ``coding``, and ``web/miniwob.click-test``
narrows suite ``miniwob`` to the one task ``click-test``. A bare family name means its default
(first) suite.

Example:
    >>> ref = resolve("debug/echo")
    >>> ref.family, ref.suite
    ('debug', 'echo')
"""

from __future__ import annotations

from dataclasses import dataclass

from envgym import registry
from envgym.environment import Environment
from envgym.errors import UnknownEnvironment
from envgym.protocol import Task


@dataclass(frozen=True)
class EnvRef:
    family: str
    suite: str
    cls: type[Environment]
    task_id: str | None = None

    @property
    def id(self) -> str:
        return f"{self.family}/{self.suite}" + (f".{self.task_id}" if self.task_id else "")

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
    if not env_id or env_id.strip() != env_id:
        raise UnknownEnvironment(f"invalid environment id {env_id!r}", details={"env": env_id})
    family, _, rest = env_id.partition("/")
    cls = load_family(family)
    suites = [s.name for s in cls.suites()]
    if not rest:
        return EnvRef(family, suites[0], cls)
    if rest in suites:
        return EnvRef(family, rest, cls)
    suite, dot, task_id = rest.partition(".")
    if dot and suite in suites:
        cls.get_task(suite, task_id)  # raises UnknownTask with a clear message
        return EnvRef(family, suite, cls, task_id)
    raise UnknownEnvironment(
        f"{family!r} has no suite {rest!r}; suites: {', '.join(suites)}",
        details={"env": env_id, "family": family, "suites": suites},
    )


def all_env_ids() -> list[str]:
    """Every ``family/suite`` id of every installed family (imports the plugins)."""
    ids: list[str] = []
    for plugin in registry.list_plugins("environments"):
        cls = load_family(plugin.name)
        ids.extend(f"{plugin.name}/{s.name}" for s in cls.suites())
    return ids
