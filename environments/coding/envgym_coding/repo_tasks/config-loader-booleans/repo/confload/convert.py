"""Turning the raw text of a setting into the option's type."""

from __future__ import annotations

from typing import Any, Callable

from confload.schema import ConfigError, Option


def to_bool(raw: str) -> bool:
    return bool(raw)


def to_int(raw: str) -> int:
    # int() already accepts "8_080" and surrounding spaces, which INI authors use for readability.
    return int(raw)


def to_float(raw: str) -> float:
    value = float(raw)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"{raw!r} is not a finite number")
    return value


def to_list(raw: str) -> list[str]:
    """Comma-separated items; blanks around items and empty items are dropped."""
    return [item.strip() for item in raw.split(",") if item.strip()]


CONVERTERS: dict[type, Callable[[str], Any]] = {
    str: str,
    bool: to_bool,
    int: to_int,
    float: to_float,
    list: to_list,
}


def coerce(option: Option, raw: str) -> Any:
    """The value of ``option`` written as ``raw``; any problem becomes a :class:`ConfigError` naming it."""
    try:
        value = CONVERTERS[option.type](raw)
    except ValueError as exc:
        raise ConfigError(f"{option.name}: {exc}") from None
    if option.choices and value not in option.choices:
        allowed = ", ".join(str(choice) for choice in option.choices)
        raise ConfigError(f"{option.name}: {value!r} is not one of {allowed}")
    return value
