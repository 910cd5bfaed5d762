"""An append-only ledger of stock movements with per-warehouse levels."""

from __future__ import annotations

from collections import defaultdict

from stockroom.models import InsufficientStock, LedgerError, Movement


class Ledger:
    def __init__(self) -> None:
        self.movements: list[Movement] = []
        self._levels: dict[tuple[str, str], int] = defaultdict(int)

    def level(self, sku: str, warehouse: str) -> int:
        return self._levels[(sku, warehouse)]

    def total(self, sku: str) -> int:
        return sum(q for (s, _), q in self._levels.items() if s == sku)

    def _record(self, movement: Movement) -> None:
        self.movements.append(movement)
        self._levels[(movement.sku, movement.warehouse)] += movement.quantity

    def receive(self, sku: str, warehouse: str, quantity: int, reference: str = "") -> None:
        if quantity <= 0:
            raise LedgerError("quantity must be positive")
        self._record(Movement(sku, warehouse, quantity, reference))

    def ship(self, sku: str, warehouse: str, quantity: int, reference: str = "") -> None:
        if quantity <= 0:
            raise LedgerError("quantity must be positive")
        self._record(Movement(sku, warehouse, -quantity, reference))

    def transfer(self, sku: str, source: str, target: str, quantity: int) -> None:
        if source == target:
            raise LedgerError("source and target are the same warehouse")
        reference = f"transfer {source}->{target}"
        self.ship(sku, source, quantity, reference)
        self.receive(sku, target, quantity, reference)

    def history(self, sku: str) -> list[Movement]:
        return [m for m in self.movements if m.sku == sku]
