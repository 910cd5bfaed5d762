import io
from decimal import Decimal

import pytest

from stockroom import Catalog, Item, Ledger, LedgerError
from stockroom import journal
from stockroom.catalog import load_catalog
from stockroom.cli import main
from stockroom.report import format_stock_table, reorder_list, stock_table, stock_value


def test_receive_and_ship():
    ledger = Ledger()
    ledger.receive("apple", "north", 10)
    ledger.ship("apple", "north", 4)
    assert ledger.level("apple", "north") == 6
    assert [m.kind for m in ledger.history("apple")] == ["receipt", "shipment"]


def test_transfer():
    ledger = Ledger()
    ledger.receive("apple", "north", 10)
    ledger.transfer("apple", "north", "south", 3)
    assert stock_table(ledger) == [("apple", "north", 7), ("apple", "south", 3)]
    assert ledger.total("apple") == 10 and ledger.levels_of("apple") == {"north": 7, "south": 3}
    assert [m.kind for m in ledger.history("apple", "south")] == ["transfer in"]
    with pytest.raises(LedgerError):
        ledger.transfer("apple", "north", "north", 1)


def test_bad_quantity():
    with pytest.raises(LedgerError):
        Ledger().receive("apple", "north", 0)
    with pytest.raises(LedgerError):
        Ledger().receive("apple", "north", True)
    with pytest.raises(LedgerError):
        Ledger().receive("apple", "north", 2.5)


def test_bad_names():
    for sku, warehouse in (("", "north"), (" apple", "north"), ("apple", "")):
        with pytest.raises(LedgerError):
            Ledger().receive(sku, warehouse, 1)


def test_count_adjustment():
    ledger = Ledger()
    ledger.receive("pear", "north", 10)
    assert ledger.adjust("pear", "north", 7, "March count") == -3
    assert ledger.adjust("pear", "north", 7) == 0
    assert ledger.level("pear", "north") == 7 and len(ledger.movements) == 2
    assert ledger.movements[-1].kind == "adjustment"
    with pytest.raises(LedgerError):
        ledger.adjust("pear", "north", -1)


def test_catalog_reports():
    catalog = load_catalog("sku,name,unit_cost,reorder_point\napple,Apple,0.40,5\npear,Pear,0.55,\n")
    assert catalog.get("apple") == Item("apple", "Apple", Decimal("0.40"), 5) and len(catalog) == 2
    ledger = Ledger()
    ledger.receive("apple", "north", 4)
    ledger.receive("pear", "south", 10)
    ledger.receive("plum", "south", 1)
    assert reorder_list(ledger, catalog) == [("apple", 4, 5)]
    assert stock_value(ledger, catalog) == {"north": Decimal("1.60"), "south": Decimal("5.50")}
    assert format_stock_table(ledger, catalog).splitlines()[1].split() == ["apple", "Apple", "north", "4"]
    with pytest.raises(LedgerError):
        Catalog([Item("a", "A"), Item("a", "B")])
    with pytest.raises(LedgerError):
        load_catalog("sku,name,unit_cost\nx,X,cheap\n")


def test_journal_round_trip(tmp_path):
    ledger = Ledger()
    ledger.receive("apple", "north", 10, "PO-1")
    ledger.transfer("apple", "north", "south", 4)
    path = str(tmp_path / "stock.jsonl")
    journal.save(ledger, path)
    again = journal.load(path)
    assert again.movements == ledger.movements and again.levels_of("apple") == {"north": 6, "south": 4}
    assert journal.load(str(tmp_path / "new.jsonl")).movements == []
    with pytest.raises(LedgerError, match="line 2"):
        journal.loads('{"sku": "a", "warehouse": "b", "quantity": 1}\n{"sku": "a"}\n')


def test_cli(tmp_path, capsys):
    path = str(tmp_path / "stock.jsonl")
    assert main(["--journal", path, "receive", "apple", "north", "5", "--reference", "PO-7"]) == 0
    assert main(["--journal", path, "transfer", "apple", "north", "south", "2"]) == 0
    out = io.StringIO()
    assert main(["--journal", path, "levels"], out=out) == 0
    assert [line.split() for line in out.getvalue().splitlines()[1:]] == [["apple", "north", "3"], ["apple", "south", "2"]]
    assert main(["--journal", path, "receive", "apple", "north", "0"]) == 1
    assert "error:" in capsys.readouterr().err
