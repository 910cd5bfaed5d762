"""What the SKUs are: names, unit costs and reorder points, read from a CSV price list."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from stockroom.models import LedgerError

COLUMNS = ("sku", "name", "unit_cost", "reorder_point")


@dataclass(frozen=True)
class Item:
    sku: str
    name: str
    unit_cost: Decimal = Decimal("0")
    reorder_point: int = 0


class Catalog:
    def __init__(self, items: list[Item] | None = None) -> None:
        self._items: dict[str, Item] = {}
        for item in items or []:
            self.add(item)

    def add(self, item: Item) -> None:
        if item.sku in self._items:
            raise LedgerError(f"{item.sku} is already in the catalog")
        self._items[item.sku] = item

    def get(self, sku: str) -> Item:
        try:
            return self._items[sku]
        except KeyError:
            raise LedgerError(f"{sku} is not in the catalog") from None

    def __contains__(self, sku: object) -> bool:
        return sku in self._items

    def __iter__(self):
        return iter(sorted(self._items.values(), key=lambda item: item.sku))

    def __len__(self) -> int:
        return len(self._items)


def load_catalog(text: str) -> Catalog:
    """A catalog from CSV with the columns sku, name, unit_cost, reorder_point (the last two optional)."""
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not {"sku", "name"} <= set(reader.fieldnames):
        raise LedgerError(f"the catalog needs the columns {list(COLUMNS[:2])}")
    catalog = Catalog()
    for row in reader:
        try:
            cost = Decimal(row.get("unit_cost") or "0")
            reorder = int(row.get("reorder_point") or "0")
        except (InvalidOperation, ValueError):
            raise LedgerError(f"line {reader.line_num}: bad unit_cost or reorder_point") from None
        catalog.add(Item(row["sku"].strip(), row["name"].strip(), cost, reorder))
    return catalog
