from datetime import date
from decimal import Decimal

import pytest

from ledgerlite.importer import ImportError_, read_csv


def test_reads_rows():
    rows = read_csv("date,description,amount\n2024-01-02,coffee,-3.50\n", "assets:bank")
    assert rows == [(date(2024, 1, 2), "coffee", [("assets:bank", Decimal("-3.50")), ("expenses:unsorted", Decimal("3.50"))])]


def test_day_first_dates():
    rows = read_csv("date,description,amount\n02/01/2024,tea,-1\n", "assets:bank")
    assert rows[0][0] == date(2024, 1, 2)


def test_bad_header():
    with pytest.raises(ImportError_):
        read_csv("when,what,how much\n", "assets:bank")
