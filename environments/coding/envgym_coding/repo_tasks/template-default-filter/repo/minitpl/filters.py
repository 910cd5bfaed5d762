"""Built-in filters: each takes the value and returns a new one."""

from __future__ import annotations

from typing import Any, Callable


def _title(value: Any) -> str:
    return str(value).title()


FILTERS: dict[str, Callable[[Any], Any]] = {
    "upper": lambda v: str(v).upper(),
    "lower": lambda v: str(v).lower(),
    "title": _title,
    "trim": lambda v: str(v).strip(),
    "length": lambda v: len(v),
    "first": lambda v: v[0] if v else "",
}
