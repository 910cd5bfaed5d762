"""A minimal template engine: ``{{ var }}``, ``{{ var.attr }}`` and filters ``{{ var|upper|trim }}``."""

from __future__ import annotations

import html
import re
from typing import Any, Callable, Mapping

from minitpl.filters import FILTERS

_PLACEHOLDER = re.compile(r"\{\{\s*(.*?)\s*\}\}")


class TemplateError(Exception):
    pass


_MISSING = object()


def _lookup(context: Mapping[str, Any], dotted: str) -> Any:
    value: Any = context
    for part in dotted.split("."):
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        elif hasattr(value, part) and not part.startswith("_"):
            value = getattr(value, part)
        else:
            return _MISSING
    return value


def _apply(expr: str, context: Mapping[str, Any], autoescape: bool) -> str:
    name, *filters = [p.strip() for p in expr.split("|")]
    value = _lookup(context, name)
    if value is _MISSING:
        raise TemplateError(f"undefined variable {name!r}")
    for filt in filters:
        func: Callable[[Any], Any] | None = FILTERS.get(filt)
        if func is None:
            raise TemplateError(f"unknown filter {filt!r}")
        value = func(value)
    text = "" if value is None else str(value)
    return html.escape(text) if autoescape else text


def render(template: str, context: Mapping[str, Any], autoescape: bool = True) -> str:
    return _PLACEHOLDER.sub(lambda m: _apply(m.group(1), context, autoescape), template)
