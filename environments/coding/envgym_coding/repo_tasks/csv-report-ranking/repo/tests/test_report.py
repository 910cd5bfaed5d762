import json
from datetime import date
from decimal import Decimal

import pytest

from salesreport import ReportError, read_orders, render, summarize
from salesreport.cli import main
from salesreport.export import to_csv, to_json
from salesreport.filters import OrderFilter
from salesreport.monthly import monthly_totals, render_monthly
from salesreport.reader import parse_amount, parse_date


def export():
    return read_orders(open("data/orders.csv").read())


def test_reads_export():
    orders = export()
    assert len(orders) == 5
    assert orders[1].amount == Decimal("1050.25")
    assert orders[1].date == date(2024, 1, 20) and orders[1].customer == "Globex"


def test_summary_totals():
    by = {s.region: s for s in summarize(export())}
    assert by["north"].total == Decimal("200.00") and by["north"].orders == 2
    assert by["north"].average == Decimal("100.00") and by["north"].largest == Decimal("120.00")


def test_render_has_grand_total():
    text = render(summarize(export()))
    assert text.splitlines()[-1].split() == ["all", "5", "1,465.75"]


def test_amount_spellings():
    assert parse_amount(" $1,050.25 ") == Decimal("1050.25")
    assert parse_amount("(12.50)") == Decimal("-12.50")
    assert parse_amount("-3") == Decimal("-3")
    for bad in ("abc", "1,05", "", "12.5.1"):
        with pytest.raises(ReportError):
            parse_amount(bad)


def test_dates():
    assert parse_date("03.02.2024") == date(2024, 2, 3) and parse_date("") is None
    with pytest.raises(ReportError):
        parse_date("2024-02-30")


def test_lenient_layout_strict_values():
    orders = read_orders("\ufeffRegion, Amount ,Order_ID\nWest,5,a1\n,,\n")
    assert [(o.order_id, o.region, o.amount) for o in orders] == [("a1", "west", Decimal("5"))]
    with pytest.raises(ReportError, match="line 3"):
        read_orders("order_id,region,amount\n1,x,2\n2,x,two\n")
    with pytest.raises(ReportError, match="twice"):
        read_orders("order_id,region,amount\n1,x,2\n1,y,3\n")
    with pytest.raises(ReportError, match="amount"):
        read_orders("order_id,region\n1,x\n")


def test_filters():
    orders = export()
    assert len(OrderFilter(since=date(2024, 2, 1)).apply(orders)) == 3
    assert len(OrderFilter(until=date(2024, 1, 31), regions=frozenset({"south"})).apply(orders)) == 1
    undated = read_orders("order_id,region,amount\n1,x,2\n")
    assert OrderFilter(since=date(2000, 1, 1)).apply(undated) == []


def test_monthly():
    totals = monthly_totals(export())
    assert list(totals) == ["2024-01", "2024-02", "2024-03"]
    assert totals["2024-02"] == {"east": Decimal("15.5"), "north": Decimal("80.00")}
    lines = render_monthly(totals).splitlines()
    assert lines[0].split() == ["month", "east", "north", "south"]
    assert lines[1].split() == ["2024-01", "-", "120.00", "1,050.25"]


def test_exports():
    summaries = summarize(read_orders("order_id,region,amount\n1,west,0.10\n2,west,0.20\n"))
    assert to_csv(summaries) == "rank,region,orders,total,average\n1,west,2,0.30,0.15\n"
    assert json.loads(to_json(summaries))["all"] == {"orders": 2, "total": "0.30"}


def test_cli(capsys):
    assert main(["data/orders.csv", "--region", "North", "--monthly"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].split() == ["1", "north", "2", "200.00", "100.00"]
    assert out[4].split() == ["month", "north"]
    assert main(["data/missing.csv"]) == 1
    assert "error:" in capsys.readouterr().err
