"""Expressions inside ``{{ }}`` and tags: a dotted variable name followed by filters, ``user.name|trim|title``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from minitpl.context import MISSING, Context
from minitpl.errors import TemplateSyntaxError, UndefinedError
from minitpl.filters import FILTERS

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*")


@dataclass(frozen=True)
class Expression:
    name: str
    filters: tuple[str, ...] = ()

    @classmethod
    def parse(cls, source: str, line: int | None = None) -> Expression:
        name, *filters = [part.strip() for part in source.split("|")]
        if not _NAME.fullmatch(name):
            raise TemplateSyntaxError(f"not a variable name: {name!r}", line)
        for filt in filters:
            if filt not in FILTERS:
                raise TemplateSyntaxError(f"unknown filter {filt!r}", line)
        return cls(name, tuple(filters))

    def evaluate(self, context: Context, strict: bool = True) -> Any:
        """The filtered value. A missing variable raises UndefinedError, or is None when not ``strict``
        (conditions treat missing variables as false)."""
        value = context.resolve(self.name)
        if value is MISSING:
            if strict:
                raise UndefinedError(f"undefined variable {self.name!r}")
            return None
        for filt in self.filters:
            value = FILTERS[filt](value)
        return value
