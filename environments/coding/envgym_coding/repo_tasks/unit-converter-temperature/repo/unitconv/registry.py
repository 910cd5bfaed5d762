"""The unit registry: each unit belongs to a dimension and converts to and from that dimension's base unit."""

from __future__ import annotations

from dataclasses import dataclass, field

from unitconv.errors import UnknownUnit


@dataclass(frozen=True)
class Unit:
    symbol: str
    dimension: str
    factor: float  # base units per one of this unit
    name: str = ""

    def to_base(self, value: float) -> float:
        return value * self.factor

    def from_base(self, value: float) -> float:
        return value / self.factor


@dataclass
class Registry:
    """Units by symbol, plus aliases. Symbols are case-sensitive (``mm`` is not ``Mm``); aliases are not."""

    units: dict[str, Unit] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)

    def define(self, symbol: str, dimension: str, factor: float, *aliases: str) -> Unit:
        if symbol in self.units:
            raise ValueError(f"unit {symbol!r} is already defined")
        if factor <= 0:
            raise ValueError(f"unit {symbol!r} needs a positive factor, got {factor}")
        unit = Unit(symbol, dimension, factor, aliases[0] if aliases else symbol)
        self.units[symbol] = unit
        for alias in aliases:
            self.aliases[alias.lower()] = symbol
        return unit

    def lookup(self, name: str) -> Unit:
        if name in self.units:
            return self.units[name]
        symbol = self.aliases.get(name.strip().lower())
        if symbol is None:
            raise UnknownUnit(name)
        return self.units[symbol]

    def dimensions(self) -> list[str]:
        return sorted({unit.dimension for unit in self.units.values()})

    def units_of(self, dimension: str) -> list[Unit]:
        """The units of one dimension, smallest first."""
        found = [unit for unit in self.units.values() if unit.dimension == dimension]
        if not found:
            raise KeyError(f"no units of dimension {dimension!r}")
        return sorted(found, key=lambda unit: unit.to_base(1.0))

    def aliases_of(self, symbol: str) -> list[str]:
        return sorted(alias for alias, target in self.aliases.items() if target == symbol)


REGISTRY = Registry()


def define(symbol: str, dimension: str, factor: float, *aliases: str) -> Unit:
    return REGISTRY.define(symbol, dimension, factor, *aliases)


def lookup(name: str) -> Unit:
    return REGISTRY.lookup(name)
