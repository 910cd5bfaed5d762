"""A small inventory ledger: stock movements per SKU and warehouse, reports and a CLI."""

from stockroom.catalog import Catalog, Item
from stockroom.ledger import Ledger
from stockroom.models import InsufficientStock, LedgerError, Movement

__all__ = ["Catalog", "InsufficientStock", "Item", "Ledger", "LedgerError", "Movement"]
