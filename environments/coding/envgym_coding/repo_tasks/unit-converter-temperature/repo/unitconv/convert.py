"""Converting values between units, and parsing quantities."""

from __future__ import annotations

import re

from unitconv.registry import IncompatibleUnits, lookup

_QUANTITY = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*([A-Za-z]+)\s*$")


def convert(value: float, from_unit: str, to_unit: str) -> float:
    source, target = lookup(from_unit), lookup(to_unit)
    if source.dimension != target.dimension:
        raise IncompatibleUnits(f"cannot convert {source.dimension} to {target.dimension}")
    return value * source.factor / target.factor


def parse_quantity(text: str) -> tuple[float, str]:
    match = _QUANTITY.match(text)
    if not match:
        raise ValueError(f"not a quantity: {text!r}")
    unit = lookup(match.group(2))
    return float(match.group(1)), unit.symbol
