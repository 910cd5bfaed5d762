from decimal import Decimal

from salesreport import read_orders, render, summarize


def test_reads_export():
    orders = read_orders(open("data/orders.csv").read())
    assert len(orders) == 5
    assert orders[1].amount == Decimal("1050.25")


def test_summary_totals():
    by = {s.region: s for s in summarize(read_orders(open("data/orders.csv").read()))}
    assert by["north"].total == Decimal("200.00") and by["north"].orders == 2


def test_render_has_grand_total():
    text = render(summarize(read_orders(open("data/orders.csv").read())))
    assert text.splitlines()[-1].split() == ["all", "5", "1,465.75"]
