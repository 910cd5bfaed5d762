"""Per-episode server-side state of a self-hosted application, keyed by a session token.

The environment creates a session for each episode and puts its token in a cookie of the episode's
browser context, so concurrent episodes never see each other's state. Graders read the same
objects the pages change. Each application (the shop, the tracker) has one store of its own state
type; the application and the graders run on the same event loop, and the lock covers other threads.

Example:
    >>> store = SessionStore(dict)
    >>> token = store.create()
    >>> store.get(token)
    {}
    >>> store.drop(token); store.get(token) is None
    True
"""

from __future__ import annotations

import secrets
import threading
from typing import Callable, Generic, TypeVar

T = TypeVar("T")


class SessionStore(Generic[T]):
    def __init__(self, factory: Callable[[], T]) -> None:
        self._factory = factory
        self._sessions: dict[str, T] = {}
        self._lock = threading.Lock()

    def create(self) -> str:
        token = secrets.token_urlsafe(16)
        state = self._factory()
        with self._lock:
            self._sessions[token] = state
        return token

    def get(self, token: str | None) -> T | None:
        if not token:
            return None
        with self._lock:
            return self._sessions.get(token)

    def drop(self, token: str) -> None:
        with self._lock:
            self._sessions.pop(token, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._sessions)
