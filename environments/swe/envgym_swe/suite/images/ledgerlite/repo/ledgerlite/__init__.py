"""ledgerlite: a small double-entry ledger."""

from ledgerlite.amounts import format_amount, parse_amount
from ledgerlite.ledger import Ledger, Posting, Transaction
from ledgerlite.importer import read_csv

__all__ = ["Ledger", "Posting", "Transaction", "format_amount", "parse_amount", "read_csv"]
