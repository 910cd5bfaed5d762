"""Where swe instances come from: the shipped suite ``own`` (package data) and users' instance files.

A user's files become the suite ``local`` (or a name they choose, ``NAME=PATH``) from any of:

* the setting ``swe.instances`` of any ``EnvContext`` in this process
  (``envgym check swe/local --sandbox docker --set swe.instances=verified.parquet``),
* the environment variable ``ENVGYM_SWE_INSTANCES`` (``os.pathsep``-separated),
* ``add_instances(path, suite)`` from code.

A path is an instance file (``.jsonl``, ``.json``, ``.parquet``) or a directory of them.

Other settings (all optional): ``swe.images`` (a file mapping instance ids to local image tags),
``swe.namespace`` (default ``swebench``), ``swe.arch`` (default ``x86_64``), ``swe.profiles`` (a JSON
file ``{"owner/repo": {"test_cmd": ..., "log_parser": ...}}`` for rows that carry neither an
``eval_script`` nor a ``test_cmd``, e.g. SWE-Gym's).

Example:
    >>> parse_sources("mine=/data/a.jsonl" + os.pathsep + "/data/b.parquet")
    [('mine', PosixPath('/data/a.jsonl')), ('local', PosixPath('/data/b.parquet'))]
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from envgym.context import published_settings
from envgym.settings import read_settings

from envgym_swe.settings import SweSettings

SUITE_ROOT = Path(__file__).parent / "suite"
OWN_SUITE = "own"
SETTING = "swe.instances"
ENV_VAR = "ENVGYM_SWE_INSTANCES"
DEFAULT_USER_SUITE = "local"

_lock = threading.Lock()
_added: dict[str, list[Path]] = {}


def parse_sources(value: object) -> list[tuple[str, Path]]:
    """``"a:b"``, ``"name=/p"`` or a list of those → (suite, path) pairs."""
    if not value:
        return []
    items = value if isinstance(value, (list, tuple)) else str(value).split(os.pathsep)
    pairs = []
    for item in map(str, items):
        item = item.strip()
        if not item:
            continue
        name, eq, path = item.partition("=")
        named = bool(eq and name and "/" not in name)
        pairs.append((name if named else DEFAULT_USER_SUITE, Path(path if named else item).expanduser()))
    return pairs


def add_instances(path: str | Path, suite: str = DEFAULT_USER_SUITE) -> None:
    """Make the instances in ``path`` part of suite ``suite`` for this process."""
    from envgym.environment import Environment

    if suite == OWN_SUITE:
        raise ValueError(f"{OWN_SUITE!r} is the shipped suite; pick another name for your instances")
    resolved = Path(path).expanduser().resolve()
    with _lock:
        paths = _added.setdefault(suite, [])
        if resolved not in paths:
            paths.append(resolved)
            for key in [k for k in Environment._task_cache if k[1] == suite]:
                Environment._task_cache.pop(key, None)


def user_suites() -> dict[str, list[Path]]:
    for source in (os.environ.get(ENV_VAR), published().instances):
        for suite, path in parse_sources(source):
            add_instances(path, suite)
    with _lock:
        return {name: list(paths) for name, paths in _added.items()}


def published() -> SweSettings:
    """The ``swe.*`` settings of the contexts of this process (class-level code has no context)."""
    return read_settings(published_settings(), SweSettings)


def profiles() -> dict[str, dict[str, str]]:
    """The ``swe.profiles`` file: repo (or ``repo@version``) → ``{"test_cmd", "log_parser"}``."""
    path = published().profiles
    if not path:
        return {}
    data = json.loads(Path(path).expanduser().read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise ValueError(f"{path}: swe.profiles must be a JSON object of repo → {{test_cmd, log_parser}}")
    return data
