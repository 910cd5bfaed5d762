from stockroom.ledger import Ledger
from stockroom.models import InsufficientStock, LedgerError, Movement

__all__ = ["InsufficientStock", "Ledger", "LedgerError", "Movement"]
