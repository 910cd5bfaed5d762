"""Environment ids: ``family``, ``family/suite`` or ``family/suite.task``, read without importing any plugin.

``coding/humaneval`` is suite ``humaneval`` of family ``coding``, and ``web/miniwob.click-test``
narrows suite ``miniwob`` to the one task ``click-test``. A bare family name means its default
(first) suite. ``envgym.kernel.families`` turns an id into the installed family plugin it names.

Example:
    >>> env_id = EnvId.parse("web/miniwob.click-test")
    >>> env_id.family, env_id.suite, env_id.task_id
    ('web', 'miniwob', 'click-test')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from envgym.protocol.errors import UnknownEnvironment


@dataclass(frozen=True)
class EnvId:
    """The parts of an environment id, read without importing any plugin: ``family``, then ``suite``
    and ``task_id`` when the id names them. The one parser of the ``family[/suite[.task]]`` grammar:
    the server, the client, ``envgym.make``, ``eval`` and ``check`` all go through ``parse``.

    Example:
        >>> EnvId.parse("web/miniwob.click-test")
        EnvId(family='web', suite='miniwob', task_id='click-test')
        >>> EnvId.parse("terminal/my.tasks", suites=["my.tasks"]).suite, str(EnvId("debug", "echo"))
        ('my.tasks', 'debug/echo')
    """

    family: str
    suite: str | None = None
    task_id: str | None = None

    @classmethod
    def parse(cls, env_id: str, suites: Iterable[str] | None = None) -> "EnvId":
        """Split ``env_id``. A suite name may itself hold a dot: given the family's ``suites``, an id
        whose rest is one of them names that suite, and a rest that starts with no suite of them is
        ``UnknownEnvironment`` listing them (of several that fit, the longest is the suite); without
        ``suites`` the first dot ends the suite name.
        A malformed id (empty, surrounding blanks, an empty part) is ``UnknownEnvironment`` too."""
        family, slash, rest = env_id.partition("/") if isinstance(env_id, str) else ("", "", "")
        suite, dot, task_id = rest.partition(".")
        if not family or env_id.strip() != env_id or (slash and not suite) or (dot and not task_id):
            raise UnknownEnvironment(
                f"invalid environment id {env_id!r}: expected family, family/suite or family/suite.task",
                details={"env": env_id},
            )
        if not slash:
            return cls(family)
        if suites is None:
            return cls(family, suite, task_id or None)
        names = list(suites)
        if rest in names:  # a suite name with a dot in it wins over reading the dot as the task separator
            return cls(family, rest)
        # else the longest suite name the rest starts with, then a dot: "a.b.t" is task t of suite a.b
        prefixes = [name for name in names if rest.startswith(name + ".") and len(rest) > len(name) + 1]
        if prefixes:
            longest = max(prefixes, key=len)
            return cls(family, longest, rest[len(longest) + 1 :])
        raise UnknownEnvironment(
            f"{family!r} has no suite {rest!r}; suites: {', '.join(names)}",
            details={"env": env_id, "family": family, "suites": names},
        )

    def __str__(self) -> str:
        suite = f"/{self.suite}" if self.suite is not None else ""
        return self.family + suite + (f".{self.task_id}" if self.task_id is not None else "")
