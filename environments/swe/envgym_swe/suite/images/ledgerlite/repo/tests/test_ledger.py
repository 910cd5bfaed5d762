from datetime import date
from decimal import Decimal

import pytest

from ledgerlite.ledger import Ledger, LedgerError


def make():
    led = Ledger()
    led.post(date(2024, 1, 1), "salary", ("assets:bank:checking", "1000"), ("income:salary", "-1000"))
    led.post(date(2024, 1, 5), "rent", ("expenses:rent", "600"), ("assets:bank:checking", "-600"))
    led.post(date(2024, 1, 7), "savings", ("assets:bank:savings", "100"), ("assets:bank:checking", "-100"))
    return led


def test_unbalanced_is_refused():
    with pytest.raises(LedgerError):
        Ledger().post(date(2024, 1, 1), "oops", ("a", "1"), ("b", "-2"))


def test_balance_of_leaf():
    assert make().balance("assets:bank:checking") == Decimal("300")


def test_balance_includes_subaccounts():
    assert make().balance("assets:bank") == Decimal("400")


def test_balance_until():
    assert make().balance("assets:bank:checking", until=date(2024, 1, 2)) == Decimal("1000")


def test_register_running_balance():
    rows = make().register("assets:bank:checking")
    assert [r[3] for r in rows] == [Decimal("1000"), Decimal("400"), Decimal("300")]


def test_bad_account_name():
    with pytest.raises(LedgerError):
        Ledger().post(date(2024, 1, 1), "x", ("assets::bank", "1"), ("b", "-1"))
