"""Stock movements and the errors the ledger raises."""

from __future__ import annotations

from dataclasses import dataclass


class LedgerError(Exception):
    pass


class InsufficientStock(LedgerError):
    def __init__(self, sku: str, warehouse: str, requested: int, available: int) -> None:
        super().__init__(f"{warehouse}: only {available} of {sku} on hand, {requested} requested")
        self.sku, self.warehouse, self.requested, self.available = sku, warehouse, requested, available


@dataclass(frozen=True)
class Movement:
    sku: str
    warehouse: str
    quantity: int          # positive = received, negative = shipped
    reference: str = ""
