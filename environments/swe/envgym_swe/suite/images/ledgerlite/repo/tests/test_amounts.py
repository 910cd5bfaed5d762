from decimal import Decimal

import pytest

from ledgerlite.amounts import AmountError, format_amount, parse_amount


def test_plain():
    assert parse_amount("12.5") == Decimal("12.50")


def test_thousands_and_symbol():
    assert parse_amount("$1,234.56") == Decimal("1234.56")


def test_negative():
    assert parse_amount("-3") == Decimal("-3.00")


def test_rounds_half_up():
    assert parse_amount("0.125") == Decimal("0.13")


def test_rejects_garbage():
    with pytest.raises(AmountError):
        parse_amount("twelve")


def test_format():
    assert format_amount(Decimal("-1234.5")) == "-$1,234.50"
    assert format_amount(Decimal("7"), "€") == "€7.00"
