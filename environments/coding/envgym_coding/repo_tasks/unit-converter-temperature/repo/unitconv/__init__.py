"""Unit conversion for everyday quantities: lengths, masses, durations, volumes, speeds and data sizes."""

from unitconv import definitions  # noqa: F401 — importing it fills the registry
from unitconv.convert import convert, convert_text, parse_conversion, parse_quantity
from unitconv.errors import IncompatibleUnits, UnknownUnit
from unitconv.formatting import format_quantity, humanize
from unitconv.registry import REGISTRY, Unit

__all__ = ["REGISTRY", "IncompatibleUnits", "Unit", "UnknownUnit", "convert", "convert_text", "format_quantity",
           "humanize", "parse_conversion", "parse_quantity"]
