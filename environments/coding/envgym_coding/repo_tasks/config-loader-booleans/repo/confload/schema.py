"""Declaring which options a configuration has."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class ConfigError(ValueError):
    """The configuration is invalid; the message names the option."""


@dataclass(frozen=True)
class Option:
    section: str
    key: str
    type: type = str
    default: Any = None
    required: bool = False
