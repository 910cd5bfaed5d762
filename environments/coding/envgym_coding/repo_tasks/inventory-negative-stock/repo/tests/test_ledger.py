import pytest

from stockroom import Ledger, LedgerError
from stockroom.report import stock_table


def test_receive_and_ship():
    ledger = Ledger()
    ledger.receive("apple", "north", 10)
    ledger.ship("apple", "north", 4)
    assert ledger.level("apple", "north") == 6


def test_transfer():
    ledger = Ledger()
    ledger.receive("apple", "north", 10)
    ledger.transfer("apple", "north", "south", 3)
    assert stock_table(ledger) == [("apple", "north", 7), ("apple", "south", 3)]
    assert ledger.total("apple") == 10


def test_bad_quantity():
    with pytest.raises(LedgerError):
        Ledger().receive("apple", "north", 0)
