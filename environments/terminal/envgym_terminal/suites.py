"""Where terminal tasks come from: the shipped suites (package data) and users' task directories.

A user's directories become the suite ``local`` (or a name they choose) without any Python, from
whichever of these is set (all are read; later ones add to earlier ones):

* the environment variable ``ENVGYM_TERMINAL_TASKS_DIR`` (``os.pathsep``-separated paths),
* the setting ``terminal.tasks_dir`` of any ``EnvContext`` built in this process
  (``envgym serve --set terminal.tasks_dir=PATH``, ``envgym check``/``envgym eval --set ...``;
  the host hands it to ``TerminalEnvironment.use_settings`` as it starts),
* ``add_tasks_dir(path)`` from code.

A path may be one task directory or a directory of task directories. ``NAME=PATH`` names the suite.

Example:
    >>> add_tasks_dir("/data/my-tasks", suite="mine")  # doctest: +SKIP
    >>> "mine" in user_suites()  # doctest: +SKIP
    True
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

TASKS_ROOT = Path(__file__).parent / "tasks"
SETTING = "terminal.tasks_dir"
ENV_VAR = "ENVGYM_TERMINAL_TASKS_DIR"
DEFAULT_USER_SUITE = "local"

_lock = threading.Lock()
_added: dict[str, list[Path]] = {}


def shipped_suites() -> dict[str, Path]:
    """Shipped suite name → directory (each subdirectory of ``tasks/``)."""
    return {p.name: p for p in sorted(TASKS_ROOT.iterdir()) if p.is_dir() and not p.name.startswith(("_", "."))}


def _parse(value: object) -> list[tuple[str, Path]]:
    """``"a:b"``, ``"name=/p"`` or a list of those → (suite, path) pairs."""
    if not value:
        return []
    items = value if isinstance(value, (list, tuple)) else str(value).split(os.pathsep)
    pairs = []
    for item in items:
        item = str(item).strip()
        if not item:
            continue
        name, eq, path = item.partition("=")
        if eq and name and "/" not in name:
            pairs.append((name, Path(path).expanduser()))
        else:
            pairs.append((DEFAULT_USER_SUITE, Path(item).expanduser()))
    return pairs


def add_tasks_dir(path: str | Path, suite: str = DEFAULT_USER_SUITE) -> None:
    """Make the tasks under ``path`` part of suite ``suite`` for this process."""
    from envgym_terminal.environment import TerminalEnvironment

    if suite in shipped_suites():
        raise ValueError(f"{suite!r} is a shipped suite; pick another name for your tasks")
    with _lock:
        paths = _added.setdefault(suite, [])
        resolved = Path(path).expanduser().resolve()
        if resolved not in paths:
            paths.append(resolved)
            TerminalEnvironment.forget_tasks(suite)  # so the new directory is seen


def add_from_setting(value: object) -> None:
    for suite, path in _parse(value):
        add_tasks_dir(path, suite)


def user_suites() -> dict[str, list[Path]]:
    """User suite name → its directories, from every source listed in the module docstring."""
    add_from_setting(os.environ.get(ENV_VAR))
    with _lock:
        return {name: list(paths) for name, paths in _added.items()}
