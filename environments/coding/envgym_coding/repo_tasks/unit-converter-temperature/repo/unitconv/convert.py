"""Converting values between units, and parsing quantities like ``"3.5 km"`` and requests like ``"3.5 km to mi"``."""

from __future__ import annotations

import re

from unitconv.errors import IncompatibleUnits
from unitconv.registry import lookup

_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_UNIT = r"[A-Za-z][A-Za-z0-9/]*"
_QUANTITY = re.compile(rf"^\s*({_NUMBER})\s*({_UNIT})\s*$")
_CONVERSION = re.compile(rf"^\s*({_NUMBER})\s*({_UNIT})\s+(?:to|in|as)\s+({_UNIT})\s*$", re.IGNORECASE)


def convert(value: float, from_unit: str, to_unit: str) -> float:
    """``value`` in ``from_unit`` expressed in ``to_unit``; both names may be symbols or aliases."""
    source, target = lookup(from_unit), lookup(to_unit)
    if source.dimension != target.dimension:
        raise IncompatibleUnits(f"cannot convert {source.dimension} ({source.symbol}) "
                                f"to {target.dimension} ({target.symbol})")
    return target.from_base(source.to_base(value))


def parse_quantity(text: str) -> tuple[float, str]:
    """``"3.5 km"`` -> ``(3.5, "km")``; the unit comes back as its symbol, whichever alias was written."""
    match = _QUANTITY.match(text)
    if not match:
        raise ValueError(f"not a quantity: {text!r}")
    unit = lookup(match.group(2))
    return float(match.group(1)), unit.symbol


def parse_conversion(text: str) -> tuple[float, str, str]:
    """``"3.5 km to mi"`` (or ``in``/``as``) -> ``(3.5, "km", "mi")``."""
    match = _CONVERSION.match(text)
    if not match:
        raise ValueError(f"expected 'QUANTITY to UNIT', got {text!r}")
    return float(match.group(1)), lookup(match.group(2)).symbol, lookup(match.group(3)).symbol


def convert_text(text: str) -> tuple[float, str]:
    """Answer a request like ``"3.5 km to mi"``: the converted value and the target unit's symbol."""
    value, source, target = parse_conversion(text)
    return convert(value, source, target), target
