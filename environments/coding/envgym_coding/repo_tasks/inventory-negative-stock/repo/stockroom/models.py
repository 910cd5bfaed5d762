"""Stock movements and the errors the ledger raises."""

from __future__ import annotations

from dataclasses import dataclass


class LedgerError(Exception):
    """An operation the ledger refuses; the ledger is left as it was."""


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

    @property
    def kind(self) -> str:
        if self.reference.startswith("transfer "):
            return "transfer in" if self.quantity > 0 else "transfer out"
        if self.reference.startswith("count"):
            return "adjustment"
        return "receipt" if self.quantity > 0 else "shipment"

    def as_dict(self) -> dict:
        return {"sku": self.sku, "warehouse": self.warehouse, "quantity": self.quantity, "reference": self.reference}


def check_name(kind: str, value: str) -> str:
    """SKUs and warehouse names are non-empty and without surrounding blanks (they are dictionary keys)."""
    if not isinstance(value, str) or not value.strip() or value != value.strip():
        raise LedgerError(f"bad {kind} {value!r}")
    return value


def check_quantity(quantity: int) -> int:
    # bool is an int subclass; ship("apple", "north", True) is a bug in the caller, not one unit.
    if not isinstance(quantity, int) or isinstance(quantity, bool):
        raise LedgerError(f"quantity must be a whole number, not {quantity!r}")
    if quantity <= 0:
        raise LedgerError("quantity must be positive")
    return quantity
