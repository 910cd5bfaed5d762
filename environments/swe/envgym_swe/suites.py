"""Where swe instances come from: the shipped suite ``own`` (package data) and users' instance files.

A user's files become the suite ``local`` (or a name they choose, ``NAME=PATH``) from any of:

* the setting ``swe.instances`` of any ``EnvContext`` in this process
  (``envgym check swe/local --sandbox docker --set swe.instances=verified.parquet``; the host hands
  it to ``SweEnvironment.use_settings`` as it starts),
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

from envgym_swe.settings import SweSettings

SUITE_ROOT = Path(__file__).parent / "suite"
OWN_SUITE = "own"
SETTING = "swe.instances"
ENV_VAR = "ENVGYM_SWE_INSTANCES"
DEFAULT_USER_SUITE = "local"

_lock = threading.Lock()
_added: dict[str, list[Path]] = {}
_profiles: dict[str, str | None] = {}  # "path": the swe.profiles a host gave last


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
    from envgym_swe.environment import SweEnvironment

    if suite == OWN_SUITE:
        raise ValueError(f"{OWN_SUITE!r} is the shipped suite; pick another name for your instances")
    resolved = Path(path).expanduser().resolve()
    with _lock:
        paths = _added.setdefault(suite, [])
        if resolved not in paths:
            paths.append(resolved)
            SweEnvironment.forget_tasks(suite)


def use_settings(settings: SweSettings) -> None:
    """A host's ``swe.*`` settings as it starts: its instance files become suites, and its
    ``swe.profiles`` (when given) serves the suites loaded from then on."""
    for suite, path in parse_sources(settings.instances):
        add_instances(path, suite)
    if "profiles" in settings.model_fields_set:
        _profiles["path"] = settings.profiles


def user_suites() -> dict[str, list[Path]]:
    for suite, path in parse_sources(os.environ.get(ENV_VAR)):
        add_instances(path, suite)
    with _lock:
        return {name: list(paths) for name, paths in _added.items()}


def profiles_path() -> str | None:
    return _profiles.get("path")


def profiles() -> dict[str, dict[str, str]]:
    """The ``swe.profiles`` file: repo (or ``repo@version``) → ``{"test_cmd", "log_parser"}``."""
    path = profiles_path()
    if not path:
        return {}
    data = json.loads(Path(path).expanduser().read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise ValueError(f"{path}: swe.profiles must be a JSON object of repo → {{test_cmd, log_parser}}")
    return data
