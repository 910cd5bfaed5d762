"""A stock report: levels per SKU and warehouse."""

from stockroom.ledger import Ledger


def stock_table(ledger: Ledger) -> list[tuple[str, str, int]]:
    keys = sorted({(m.sku, m.warehouse) for m in ledger.movements})
    return [(sku, wh, ledger.level(sku, wh)) for sku, wh in keys]
