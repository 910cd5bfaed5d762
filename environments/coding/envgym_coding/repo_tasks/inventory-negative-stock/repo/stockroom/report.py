"""Stock reports: levels per SKU and warehouse, items to reorder, and stock value."""

from __future__ import annotations

from decimal import Decimal

from stockroom.catalog import Catalog
from stockroom.ledger import Ledger


def stock_table(ledger: Ledger) -> list[tuple[str, str, int]]:
    keys = sorted({(m.sku, m.warehouse) for m in ledger.movements})
    return [(sku, wh, ledger.level(sku, wh)) for sku, wh in keys]


def format_stock_table(ledger: Ledger, catalog: Catalog | None = None) -> str:
    rows = [("sku", "name", "warehouse", "on hand")]
    for sku, warehouse, level in stock_table(ledger):
        name = catalog.get(sku).name if catalog is not None and sku in catalog else ""
        rows.append((sku, name, warehouse, str(level)))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return "\n".join(f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]:>{widths[3]}}"
                     for r in rows) + "\n"


def reorder_list(ledger: Ledger, catalog: Catalog) -> list[tuple[str, int, int]]:
    """``(sku, units on hand in all warehouses, reorder point)`` for items at or below their reorder point."""
    return [(item.sku, ledger.total(item.sku), item.reorder_point) for item in catalog
            if item.reorder_point and ledger.total(item.sku) <= item.reorder_point]


def stock_value(ledger: Ledger, catalog: Catalog) -> dict[str, Decimal]:
    """Value at unit cost per warehouse; SKUs missing from the catalog count as zero."""
    values: dict[str, Decimal] = {}
    for sku, warehouse, level in stock_table(ledger):
        cost = catalog.get(sku).unit_cost if sku in catalog else Decimal("0")
        values[warehouse] = values.get(warehouse, Decimal("0")) + cost * level
    return values
