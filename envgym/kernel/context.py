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

import functools
import json
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Iterable

from envgym.kernel.settings import S, check_settings, read_settings
from envgym.protocol.errors import InvalidRequest
from envgym.sandbox.base import Sandbox, SandboxProvider, SandboxSpec


@dataclass
class EnvContext:
    sandbox: str = "bwrap"
    sandbox_options: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    _providers: dict[str, SandboxProvider] = field(default_factory=dict, repr=False)
    _closers: dict[str, Callable[[], Awaitable[None]]] = field(default_factory=dict, repr=False)
    _checked: bool = field(default=False, repr=False)  # settings already checked (a host's per-session copy)
    _typed: dict[type, Any] = field(default_factory=dict, repr=False)  # settings_for's models, read once

    def __post_init__(self) -> None:
        if self._checked:
            return
        # A mistyped or ill-typed key fails here, as the host starts; a family whose listing depends
        # on its settings (a tasks directory adds a suite) is given them now (Environment.use_settings).
        for plugin, values in check_settings(self.settings):
            use_settings = getattr(plugin, "use_settings", None)
            if callable(use_settings):
                use_settings(values)

    def setting(self, key: str, default: Any = None) -> Any:
        """The value of one host setting (``--set KEY=VALUE`` of ``envgym serve``, ``eval``, ``check``,
        ``regrade``; ``settings=`` in code), already JSON-decoded, or ``default`` when it was not given.

        Keys are plain strings shared by every family on a host: prefix yours with your family name
        (``toy-math.difficulty``), and prefer a settings model read with ``settings_for``, which the
        hosts check as they start. Settings are the operator's, not the agent's: they never travel
        in a session request.

        Example:
            >>> EnvContext(settings=parse_settings(["toy.retries=3"])).setting("toy.retries", 1)
            3
        """
        return self.settings.get(key, default)

    def settings_for(self, model: type[S]) -> S:
        """The settings of one family or grader, typed: ``model`` (an ``envgym.kernel.settings.Settings``)
        read from the keys under its ``prefix``, with its defaults for the keys not given.

        Example:
            >>> from envgym.kernel.settings import CoreSettings
            >>> EnvContext(settings={"step_timeout_s": 30}).settings_for(CoreSettings).step_timeout_s
            30.0
        """
        # Read once per context (models are frozen): hosts ask for them on every step.
        if model not in self._typed:
            self._typed[model] = read_settings(self.settings, model)
        typed: S = self._typed[model]
        return typed

    def provider(self, name: str | None = None) -> SandboxProvider:
        """The (shared, cached) provider instance; ``name`` overrides the context's default."""
        from envgym.sandbox import get_provider

        name = name or self.sandbox
        if name not in self._providers:
            self._providers[name] = get_provider(name, **(self.sandbox_options if name == self.sandbox else {}))
        return self._providers[name]

    async def create_sandbox(self, spec: SandboxSpec | None = None, provider: str | None = None) -> Sandbox:
        return await self.provider(provider).create(spec or SandboxSpec())

    def on_close(self, key: str, closer: Callable[[], Awaitable[None]]) -> bool:
        """Await ``closer()`` once in ``aclose()``: for resources the context's episodes share (a
        browser pool). A key registered again keeps its first closer; returns whether this call
        registered it. Example: ``ctx.on_close("web", runtime.release)``"""
        if key in self._closers:
            return False
        self._closers[key] = closer
        return True

    async def aclose(self) -> None:
        for provider in list(self._providers.values()):
            await provider.aclose()
        self._providers.clear()
        closers = list(self._closers.values())
        self._closers.clear()  # in place: a host's per-session contexts share this registry
        for closer in closers:
            await closer()


def parse_setting(item: str, option: str = "--set") -> tuple[str, Any]:
    """One ``KEY=VALUE`` of a ``--set`` option: the value is read as JSON when it parses (numbers,
    booleans, lists, quoted strings), else kept as text. The one parser behind every command's
    ``--set`` (and ``--agent-set``), so ``envgym serve``, ``eval``, ``check`` and ``regrade`` read
    the same line the same way. Raises ``InvalidRequest`` naming ``option`` when there is no key.

    Example:
        >>> parse_setting("max_turns=5"), parse_setting("url=http://h/v1?a=b"), parse_setting('tag="7"')
        (('max_turns', 5), ('url', 'http://h/v1?a=b'), ('tag', '7'))
    """
    key, sep, raw = item.partition("=")
    key = key.strip()
    if not sep or not key:
        raise InvalidRequest(
            f"{option} expects KEY=VALUE (e.g. {option} judge_base_url=http://127.0.0.1:8001/v1), got {item!r}",
            details={"option": option, "value": item},
        )
    try:
        value: Any = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return key, value


def parse_settings(items: Iterable[str], option: str = "--set") -> dict[str, Any]:
    """Every ``KEY=VALUE`` of a repeated option as a dict (a key given twice: the last one wins).

    Example:
        >>> parse_settings(["a=1", "b=text", "a=[1, 2]"])
        {'a': [1, 2], 'b': 'text'}
    """
    return dict(parse_setting(item, option) for item in items)


def format_setting(key: str, value: Any) -> str:
    """The ``KEY=VALUE`` that ``parse_setting`` reads back as ``(key, value)``: text stays bare unless
    it would be read as JSON (``"7"``, ``"true"``), which is quoted, so a value survives the trip to
    a subprocess's command line unchanged.

    Example:
        >>> format_setting("url", "http://h/v1"), format_setting("tag", "7"), format_setting("n", 7)
        ('url=http://h/v1', 'tag="7"', 'n=7')
        >>> parse_setting(format_setting("tag", "7"))
        ('tag', '7')
    """
    if isinstance(value, str):
        try:
            json.loads(value)
        except json.JSONDecodeError:
            return f"{key}={value}"
    return f"{key}={json.dumps(value)}"


@functools.cache
def default_context() -> EnvContext:
    return EnvContext()
