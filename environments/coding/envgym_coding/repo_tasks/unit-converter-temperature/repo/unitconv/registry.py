"""The unit registry: each unit belongs to a dimension and has a factor to that dimension's base unit."""

from __future__ import annotations

from dataclasses import dataclass


class UnknownUnit(KeyError):
    pass


class IncompatibleUnits(ValueError):
    pass


@dataclass(frozen=True)
class Unit:
    symbol: str
    dimension: str
    factor: float  # base units per one of this unit


UNITS: dict[str, Unit] = {}
ALIASES: dict[str, str] = {}


def define(symbol: str, dimension: str, factor: float, *aliases: str) -> None:
    UNITS[symbol] = Unit(symbol, dimension, factor)
    for alias in aliases:
        ALIASES[alias] = symbol


def lookup(name: str) -> Unit:
    symbol = ALIASES.get(name.lower(), name) if name not in UNITS else name
    try:
        return UNITS[symbol]
    except KeyError:
        raise UnknownUnit(name) from None


define("m", "length", 1.0, "meter", "meters", "metre")
define("km", "length", 1000.0, "kilometer", "kilometers")
define("cm", "length", 0.01, "centimeter")
define("mi", "length", 1609.344, "mile", "miles")
define("ft", "length", 0.3048, "foot", "feet")
define("kg", "mass", 1.0, "kilogram", "kilograms")
define("g", "mass", 0.001, "gram", "grams")
define("lb", "mass", 0.45359237, "pound", "pounds")
define("s", "time", 1.0, "second", "seconds")
define("min", "time", 60.0, "minute", "minutes")
define("h", "time", 3600.0, "hour", "hours")
