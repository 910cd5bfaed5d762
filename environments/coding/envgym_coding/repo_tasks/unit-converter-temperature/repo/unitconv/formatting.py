"""Showing quantities to people: trimmed decimals and, on request, the most readable unit."""

from __future__ import annotations

import math

from unitconv.convert import convert
from unitconv.registry import lookup

# Units a value may be moved between for readability, smallest first. Units not listed (feet, pounds,
# knots...) are left alone: people who use them picked them on purpose.
LADDERS: dict[str, tuple[str, ...]] = {
    "length": ("mm", "cm", "m", "km"),
    "mass": ("mg", "g", "kg", "t"),
    "time": ("ms", "s", "min", "h", "d"),
    "volume": ("ml", "l", "m3"),
    "data": ("B", "kB", "MB", "GB"),
}


def format_number(value: float, precision: int = 4) -> str:
    """``value`` with at most ``precision`` decimals and no trailing zeros: 1.5, 212, -0.25."""
    if precision < 0:
        raise ValueError(f"precision must not be negative, got {precision}")
    if not math.isfinite(value):
        raise ValueError(f"cannot format {value}")
    text = f"{value:.{precision}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_quantity(value: float, unit: str, precision: int = 4) -> str:
    return f"{format_number(value, precision)} {lookup(unit).symbol}"


def humanize(value: float, unit: str) -> tuple[float, str]:
    """The same quantity in the largest unit of its ladder in which it is at least 1 (1500 m -> 1.5 km)."""
    symbol = lookup(unit).symbol
    ladder = LADDERS.get(lookup(unit).dimension, ())
    if symbol not in ladder or value == 0:
        return value, symbol
    best = ladder[0]
    for candidate in ladder:
        if abs(convert(value, unit, candidate)) >= 1:
            best = candidate
    return convert(value, unit, best), best
