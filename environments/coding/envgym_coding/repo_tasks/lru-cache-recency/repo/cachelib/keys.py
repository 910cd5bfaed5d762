"""Cache keys for function calls."""

from __future__ import annotations

from typing import Any, Hashable

# Separates positional from keyword arguments, so that f(1, 2) and f(1, b=2) never share a key by accident.
_KWARGS_MARK = ("cachelib.kwargs",)


def make_key(args: tuple[Any, ...], kwargs: dict[str, Any], typed: bool = False) -> Hashable:
    """A hashable key for a call with ``args`` and ``kwargs`` (keyword order does not matter).

    With ``typed``, arguments of different types are cached separately (``f(1)`` and ``f(1.0)``).
    Raises ``TypeError`` if an argument is unhashable.
    """
    key: tuple[Any, ...] = args
    if kwargs:
        key += _KWARGS_MARK + tuple(sorted(kwargs.items()))
    if typed:
        key += tuple(type(arg) for arg in args) + tuple(type(value) for _, value in sorted(kwargs.items()))
    hash(key)
    return key


def is_cacheable(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """Whether a call's arguments can form a key at all."""
    try:
        make_key(args, kwargs)
    except TypeError:
        return False
    return True
