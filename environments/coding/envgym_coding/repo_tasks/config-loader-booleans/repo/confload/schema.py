"""Declaring which options a configuration has."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable

SUPPORTED_TYPES = (str, bool, int, float, list)
# Section and key names become parts of environment-variable names, so they must be identifier-like.
NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


class ConfigError(ValueError):
    """The configuration (or the schema) is invalid; the message names the option."""


@dataclass(frozen=True)
class Option:
    section: str
    key: str
    type: type = str
    default: Any = None
    required: bool = False
    choices: tuple = ()
    help: str = ""

    def __post_init__(self) -> None:
        for part in (self.section, self.key):
            if not NAME.match(part):
                raise ConfigError(f"{part!r} is not a valid section or key name")
        if self.type not in SUPPORTED_TYPES:
            raise ConfigError(f"{self.name}: unsupported type {self.type.__name__}")
        if self.required and self.default is not None:
            raise ConfigError(f"{self.name}: a required option cannot have a default")

    @property
    def name(self) -> str:
        """``section.key``, as used in error messages."""
        return f"{self.section}.{self.key}"


def check_schema(schema: Iterable[Option]) -> list[Option]:
    """The options as a list, after checking that no option is declared twice."""
    options = list(schema)
    seen: set[tuple[str, str]] = set()
    for option in options:
        ident = (option.section.lower(), option.key.lower())
        if ident in seen:
            raise ConfigError(f"{option.name} is declared twice")
        seen.add(ident)
    return options


def sections(schema: Iterable[Option]) -> list[str]:
    """Section names in first-declared order."""
    return list(dict.fromkeys(option.section for option in schema))
