"""An append-only ledger of stock movements with per-warehouse levels."""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from stockroom.models import InsufficientStock, LedgerError, Movement, check_name, check_quantity


class Ledger:
    def __init__(self) -> None:
        self.movements: list[Movement] = []
        self._levels: dict[tuple[str, str], int] = defaultdict(int)

    @classmethod
    def from_movements(cls, movements: Iterable[Movement]) -> "Ledger":
        """Replay a saved journal. It is trusted as written: it was checked when each movement was made."""
        ledger = cls()
        for movement in movements:
            ledger._record(movement)
        return ledger

    # ------------------------------------------------------------------ queries
    def level(self, sku: str, warehouse: str) -> int:
        return self._levels.get((sku, warehouse), 0)

    def total(self, sku: str) -> int:
        return sum(q for (s, _), q in self._levels.items() if s == sku)

    def levels_of(self, sku: str) -> dict[str, int]:
        """Units on hand per warehouse, for the warehouses that ever held ``sku``."""
        return {wh: q for (s, wh), q in sorted(self._levels.items()) if s == sku}

    def skus(self) -> list[str]:
        return sorted({s for s, _ in self._levels})

    def warehouses(self) -> list[str]:
        return sorted({wh for _, wh in self._levels})

    def history(self, sku: str, warehouse: str | None = None) -> list[Movement]:
        return [m for m in self.movements if m.sku == sku and (warehouse is None or m.warehouse == warehouse)]

    # ------------------------------------------------------------------ changes
    def _record(self, movement: Movement) -> None:
        self.movements.append(movement)
        self._levels[(movement.sku, movement.warehouse)] += movement.quantity

    def receive(self, sku: str, warehouse: str, quantity: int, reference: str = "") -> None:
        check_name("SKU", sku)
        check_name("warehouse", warehouse)
        check_quantity(quantity)
        self._record(Movement(sku, warehouse, quantity, reference))

    def ship(self, sku: str, warehouse: str, quantity: int, reference: str = "") -> None:
        check_name("SKU", sku)
        check_name("warehouse", warehouse)
        check_quantity(quantity)
        self._record(Movement(sku, warehouse, -quantity, reference))

    def transfer(self, sku: str, source: str, target: str, quantity: int) -> None:
        if source == target:
            raise LedgerError("source and target are the same warehouse")
        check_name("warehouse", target)
        reference = f"transfer {source}->{target}"
        self.ship(sku, source, quantity, reference)
        self.receive(sku, target, quantity, reference)

    def adjust(self, sku: str, warehouse: str, counted: int, note: str = "") -> int:
        """Set the level to what a stock count found; returns the correction (0 records nothing)."""
        check_name("SKU", sku)
        check_name("warehouse", warehouse)
        if not isinstance(counted, int) or isinstance(counted, bool) or counted < 0:
            raise LedgerError(f"a counted level must be a whole number >= 0, not {counted!r}")
        difference = counted - self.level(sku, warehouse)
        if difference:
            self._record(Movement(sku, warehouse, difference, f"count {note}".strip()))
        return difference
