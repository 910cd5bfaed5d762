"""Built-in filters: each takes the value and returns a new one (``{{ name|trim|title }}``)."""

from __future__ import annotations

from typing import Any, Callable


def _first(value: Any) -> Any:
    return value[0] if value else ""


def _last(value: Any) -> Any:
    return value[-1] if value else ""


def _reverse(value: Any) -> Any:
    # Strings stay strings; other iterables become lists so they can be rendered or iterated again.
    return value[::-1] if isinstance(value, str) else list(reversed(list(value)))


FILTERS: dict[str, Callable[[Any], Any]] = {
    "upper": lambda v: str(v).upper(),
    "lower": lambda v: str(v).lower(),
    "title": lambda v: str(v).title(),
    "capitalize": lambda v: str(v).capitalize(),
    "trim": lambda v: str(v).strip(),
    "length": len,
    "first": _first,
    "last": _last,
    "sort": sorted,
    "reverse": _reverse,
    "wordcount": lambda v: len(str(v).split()),
}
