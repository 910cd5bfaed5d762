from unitconv.convert import convert, parse_quantity
from unitconv.registry import IncompatibleUnits, UnknownUnit

__all__ = ["IncompatibleUnits", "UnknownUnit", "convert", "parse_quantity"]
