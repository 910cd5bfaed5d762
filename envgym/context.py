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
from typing import Any

from envgym.sandbox.base import Sandbox, SandboxProvider, SandboxSpec


@dataclass
class EnvContext:
    sandbox: str = "bwrap"
    sandbox_options: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    _providers: dict[str, SandboxProvider] = field(default_factory=dict, repr=False)
    _lock: asyncio.Lock | None = field(default=None, repr=False)

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

    async def aclose(self) -> None:
        for provider in list(self._providers.values()):
            await provider.aclose()
        self._providers.clear()


_DEFAULT: EnvContext | None = None


def default_context() -> EnvContext:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = EnvContext()
    return _DEFAULT
