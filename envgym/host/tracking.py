"""An ``EnvContext`` that knows every sandbox created through it, so the episode host can count them
and close any an environment forgot (after a step timeout cancelled its ``close``, or a buggy
``on_close``).

The host holds one root context (it owns the sandbox providers) and gives each session a child
that shares the providers but tracks its own sandboxes.

Example:
    >>> root = TrackedContext(sandbox="process")
    >>> child = root.child()
    >>> child.settings is root.settings
    True
    >>> child.on_close("pool", root.aclose), root.on_close("pool", root.aclose)
    (True, False)
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import dataclasses
import logging
import weakref
from dataclasses import dataclass, field
from typing import Any, Iterator

from envgym.kernel.context import EnvContext
from envgym.protocol.errors import InvalidRequest
from envgym.sandbox.base import Sandbox, SandboxSpec

log = logging.getLogger("envgym.host")
_watched: contextvars.ContextVar[list[Sandbox] | None] = contextvars.ContextVar("envgym_watched", default=None)


async def close_all(boxes: list[Sandbox], timeout: float = 30.0) -> int:
    """Close every sandbox of ``boxes`` still open, each within ``timeout``; returns how many were open."""
    left = [box for box in boxes if not box.closed]
    for box in left:
        try:
            await asyncio.wait_for(box.close(), timeout)
        except Exception as exc:  # noqa: BLE001 — keep closing the others
            log.error("closing a sandbox failed: %s: %s", type(exc).__name__, exc)
    return len(left)


class SandboxTracker:
    """Every sandbox created through any context of one host (weakly held)."""

    def __init__(self, on_create: Any = None) -> None:
        self._all: weakref.WeakSet[Sandbox] = weakref.WeakSet()
        self.on_create = on_create

    def add(self, sandbox: Sandbox) -> None:
        self._all.add(sandbox)
        if self.on_create is not None:
            self.on_create()

    def open_count(self) -> int:
        return sum(1 for box in list(self._all) if not box.closed)


@dataclass
class TrackedContext(EnvContext):
    tracker: SandboxTracker = field(default_factory=SandboxTracker, repr=False)
    owns_providers: bool = True
    own_sandboxes: list[Sandbox] = field(default_factory=list, repr=False)
    caps: dict[str, tuple[str, float]] | None = field(default=None, repr=False)

    def child(self, caps: dict[str, tuple[str, float]] | None = None) -> "TrackedContext":
        """A per-session context: same providers and settings, its own list of sandboxes; with
        ``caps`` (SandboxSpec field -> (cap name, value)), a sandbox asking for more is refused."""
        # What sessions share (a browser runtime) lives as long as the host: the closers are registered
        # once on the host's context and closed with it, not once per session and never. The same
        # settings, already checked, so the same typed reads.
        return dataclasses.replace(self, owns_providers=False, own_sandboxes=[], caps=caps, _checked=True)

    def check_caps(self, spec: SandboxSpec) -> None:
        for name, (cap, limit) in (self.caps or {}).items():
            asked = getattr(spec, name)
            if asked > limit:
                raise InvalidRequest(
                    f"the task asks for a sandbox with {name}={asked:g}, over the server's cap {cap}={limit:g}; "
                    f"ask for less, or start the server with a higher --{cap.replace('_', '-')}",
                    details={"cap": cap, "limit": limit, "requested": asked, "field": name},
                )

    async def create_sandbox(self, spec: SandboxSpec | None = None, provider: str | None = None) -> Sandbox:
        self.check_caps(spec or SandboxSpec())
        box = await super().create_sandbox(spec, provider)
        self.own_sandboxes = [b for b in self.own_sandboxes if not b.closed]
        self.own_sandboxes.append(box)
        self.tracker.add(box)
        watched = _watched.get()
        if watched is not None:
            watched.append(box)
        return box

    @staticmethod
    @contextlib.contextmanager
    def watching() -> Iterator[list[Sandbox]]:
        """Every sandbox a ``TrackedContext`` creates while the ``with`` runs, in this task and the
        tasks it starts (closed ones too): how the conformance and adversary kits, which run several
        episodes on one context at once, see the sandboxes of one episode."""
        boxes: list[Sandbox] = []
        token = _watched.set(boxes)
        try:
            yield boxes
        finally:
            _watched.reset(token)

    async def close_sandboxes(self, timeout: float = 30.0) -> int:
        """Close every sandbox of this context still open; returns how many had to be closed."""
        left, self.own_sandboxes = self.own_sandboxes, []
        return await close_all(left, timeout)

    async def aclose(self) -> None:
        await self.close_sandboxes()
        if self.owns_providers:
            await super().aclose()
