"""What an environment gets from whoever hosts it: the sandbox provider to use and settings.

The server, the eval runner and ``envgym check`` each build one ``EnvContext`` and hand it to
every environment they create, so ``--sandbox docker`` or a judge endpoint reaches every episode
without any environment reading global state.

Example:
    >>> ctx = EnvContext(sandbox="process")
    >>> ctx.setting("judge_base_url", "http://127.0.0.1:8001/v1")
    'http://127.0.0.1:8001/v1'
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from envgym.sandbox.base import Sandbox, SandboxProvider, SandboxSpec


@dataclass
class EnvContext:
    sandbox: str = "bwrap"
    sandbox_options: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    _providers: dict[str, SandboxProvider] = field(default_factory=dict, repr=False)
    _lock: asyncio.Lock | None = field(default=None, repr=False)
    _closers: dict[str, Callable[[], Awaitable[None]]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        # Some settings also shape what a family lists (e.g. `--set terminal.tasks_dir=PATH` adds a
        # suite), and listing is class-level, before any episode has a context; so every context a
        # host builds publishes its settings for this process (see published_settings()).
        _PUBLISHED.update(self.settings)

    def setting(self, key: str, default: Any = None) -> Any:
        return self.settings.get(key, default)

    def provider(self, name: str | None = None) -> SandboxProvider:
        """The (shared, cached) provider instance; ``name`` overrides the context's default."""
        from envgym.sandbox import get_provider

        name = name or self.sandbox
        if name not in self._providers:
            self._providers[name] = get_provider(name, **(self.sandbox_options if name == self.sandbox else {}))
        return self._providers[name]

    async def create_sandbox(self, spec: SandboxSpec | None = None, provider: str | None = None) -> Sandbox:
        return await self.provider(provider).create(spec or SandboxSpec())

    def on_close(self, key: str, closer: Callable[[], Awaitable[None]]) -> None:
        """Await ``closer()`` once in ``aclose()``: for resources the context's episodes share (a
        browser pool). A key registered again keeps its first closer.
        Example: ``ctx.on_close("web", runtime.release)``"""
        self._closers.setdefault(key, closer)

    async def aclose(self) -> None:
        for provider in list(self._providers.values()):
            await provider.aclose()
        self._providers.clear()
        closers, self._closers = list(self._closers.values()), {}
        for closer in closers:
            await closer()


_DEFAULT: EnvContext | None = None
_PUBLISHED: dict[str, Any] = {}


def published_settings() -> dict[str, Any]:
    """Every setting given to any ``EnvContext`` built in this process (later ones win); for
    class-level code such as a family's ``suites()`` that has no context of its own."""
    return dict(_PUBLISHED)


def default_context() -> EnvContext:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = EnvContext()
    return _DEFAULT
