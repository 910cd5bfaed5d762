"""The render context: the caller's variables plus the scopes that ``{% for %}`` loops push."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Iterator

class _Missing:
    """The value of a variable the context does not have; distinct from None, which a variable may hold."""

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()


def _step(value: Any, part: str) -> Any:
    if isinstance(value, Mapping):
        return value[part] if part in value else MISSING
    if part.isdigit() and isinstance(value, Sequence) and not isinstance(value, str):
        index = int(part)
        return value[index] if index < len(value) else MISSING
    # Attributes of objects are reachable, private ones are not: templates are often written by
    # people who should not see an object's internals.
    if not part.startswith("_") and hasattr(value, part):
        return getattr(value, part)
    return MISSING


class Context:
    def __init__(self, variables: Mapping[str, Any], autoescape: bool = True) -> None:
        self.autoescape = autoescape
        self._scopes: list[Mapping[str, Any]] = [variables]

    def resolve(self, dotted: str) -> Any:
        """The value of ``user.name`` or ``items.0``, or MISSING; inner scopes hide outer ones."""
        first, *rest = dotted.split(".")
        value: Any = MISSING
        for scope in reversed(self._scopes):
            if first in scope:
                value = scope[first]
                break
        for part in rest:
            if value is MISSING:
                break
            value = _step(value, part)
        return value

    @contextmanager
    def scope(self, variables: Mapping[str, Any]) -> Iterator[None]:
        self._scopes.append(variables)
        try:
            yield
        finally:
            self._scopes.pop()
