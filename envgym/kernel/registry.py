"""The plugin registry over Python entry points (docs/architecture.md §4).

Listing reads distribution metadata only; a plugin is imported the first time it is used. A plugin
that fails to import raises ``PluginLoadError`` naming its package and carrying the traceback —
never "not found". Two packages offering the same name in one group raise ``DuplicatePlugin``
naming both. ``register()`` adds plugins from code that is not an installed package.

Example:
    >>> from envgym.kernel import registry
    >>> [p.name for p in registry.list_plugins("sandboxes")]  # doctest: +SKIP
    ['bwrap', 'process']
"""

from __future__ import annotations

import threading
import traceback
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

from envgym.protocol.errors import DuplicatePlugin, PluginLoadError, UnknownEnvironment, UnknownPlugin

SINGULAR = {
    "environments": "environment",
    "graders": "grader",
    "sandboxes": "sandbox",
    "agents": "agent",
    "tool_parsers": "tool parser",
}
# The entry-point group of each short name: envgym.environments, envgym.graders, ...
GROUPS = {short: f"envgym.{short}" for short in SINGULAR}


@dataclass
class PluginInfo:
    name: str
    group: str  # short group name: environments, graders, sandboxes, agents
    value: str  # "module:attr" or "<registered>"
    package: str  # distribution name, or "<registered>"
    version: str
    _entry_point: metadata.EntryPoint | None = field(default=None, repr=False)
    _object: Any = field(default=None, repr=False)
    _loaded: bool = field(default=False, repr=False)


class Registry:
    """Plugins by group and name. One process-wide instance lives in ``envgym.kernel.registry.REGISTRY``."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._scanned = False
        self._plugins: dict[str, dict[str, PluginInfo]] = {g: {} for g in GROUPS}
        self._duplicates: dict[tuple[str, str], list[PluginInfo]] = {}

    # ------------------------------------------------------------------ discovery
    def _scan(self) -> None:
        with self._lock:
            if self._scanned:
                return
            for short, group in GROUPS.items():
                for ep in metadata.entry_points(group=group):
                    dist = getattr(ep, "dist", None)
                    info = PluginInfo(
                        name=ep.name,
                        group=short,
                        value=ep.value,
                        package=dist.name if dist is not None else "<unknown>",
                        version=dist.version if dist is not None else "0",
                        _entry_point=ep,
                    )
                    existing = self._plugins[short].get(ep.name)
                    if existing is not None and existing.package != info.package:
                        self._duplicates.setdefault((short, ep.name), [existing]).append(info)
                        continue
                    self._plugins[short].setdefault(ep.name, info)
            self._scanned = True

    def refresh(self) -> None:
        """Forget what was scanned (e.g. after ``pip install`` in the same process); keeps ``register()`` entries."""
        with self._lock:
            kept = {g: {n: p for n, p in ps.items() if p._entry_point is None} for g, ps in self._plugins.items()}
            self._plugins = kept
            self._duplicates = {}
            self._scanned = False
            # importlib.metadata needs no reset: it re-reads a path entry whose mtime changed (an install changes it).

    def _check_group(self, group: str) -> str:
        short = group.removeprefix("envgym.")
        if short in GROUPS:
            return short
        raise ValueError(f"unknown plugin group {group!r}; expected one of {sorted(GROUPS)}")

    def list_plugins(self, group: str) -> list[PluginInfo]:
        group = self._check_group(group)
        self._scan()
        with self._lock:
            return sorted(self._plugins[group].values(), key=lambda p: p.name)

    def duplicates(self) -> dict[tuple[str, str], list[PluginInfo]]:
        self._scan()
        return dict(self._duplicates)

    def info(self, group: str, name: str) -> PluginInfo:
        group = self._check_group(group)
        self._scan()
        with self._lock:
            dup = self._duplicates.get((group, name))
            if dup:
                packages = sorted({p.package for p in dup})
                raise DuplicatePlugin(
                    f"the {SINGULAR[group]} plugin name {name!r} is provided by more than one package: "
                    f"{', '.join(packages)}; uninstall one or rename its entry point",
                    details={"group": group, "name": name, "packages": packages},
                )
            plugin = self._plugins[group].get(name)
        if plugin is None:
            known = sorted(self._plugins[group])
            exc_cls = UnknownEnvironment if group == "environments" else UnknownPlugin
            raise exc_cls(
                f"no {SINGULAR[group]} plugin named {name!r}; installed: {', '.join(known) or 'none'}",
                details={"group": group, "name": name, "known": known},
            )
        return plugin

    def load(self, group: str, name: str) -> Any:
        """Import (once) and return the object behind a plugin."""
        plugin = self.info(group, name)
        with self._lock:
            if plugin._loaded:
                return plugin._object
            assert plugin._entry_point is not None
            try:
                obj = plugin._entry_point.load()
            except BaseException as exc:  # noqa: BLE001 — any import failure is the plugin's, report it whole
                if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                    raise
                raise PluginLoadError(
                    f"the {SINGULAR[group]} plugin {name!r} from package {plugin.package} {plugin.version} failed to import "
                    f"({type(exc).__name__}: {exc}); fix or reinstall that package",
                    details={
                        "group": group,
                        "name": name,
                        "package": plugin.package,
                        "entry_point": plugin.value,
                        "traceback": traceback.format_exc(),
                    },
                ) from exc
            plugin._object, plugin._loaded = obj, True
            return obj

    def register(
        self, group: str, name: str, obj: Any, *, package: str = "<registered>", replace: bool = False
    ) -> None:
        """Add a plugin that is not installed as a package (notebooks, tests).

        Example: ``registry.register("environments", "toy", ToyEnvironment)``
        """
        group = self._check_group(group)
        self._scan()
        with self._lock:
            existing = self._plugins[group].get(name)
            if existing is not None and not replace:
                raise DuplicatePlugin(
                    f"the {SINGULAR[group]} plugin name {name!r} is already provided by package {existing.package}; "
                    f"pass replace=True to override it",
                    details={"group": group, "name": name, "packages": [existing.package, package]},
                )
            self._plugins[group][name] = PluginInfo(
                name=name, group=group, value="<registered>", package=package, version="0", _object=obj, _loaded=True
            )

    def unregister(self, group: str, name: str) -> None:
        group = self._check_group(group)
        with self._lock:
            self._plugins[group].pop(name, None)


REGISTRY = Registry()

list_plugins = REGISTRY.list_plugins
load = REGISTRY.load
info = REGISTRY.info
register = REGISTRY.register
unregister = REGISTRY.unregister
refresh = REGISTRY.refresh
