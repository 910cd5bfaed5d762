CSV = 'order_id,region,amount\n1,west,950.00\n2,east,"10,200.50"\n3,north,2000\n4,south,950\n5,east,1\n'


def test_ranked_by_total(project):
    got = project.run("from salesreport import read_orders, summarize\nresult = [(s.region, str(s.total)) for s in summarize(read_orders(csv))]", csv=CSV)
    assert got == [("east", "10201.50"), ("north", "2000"), ("south", "950"), ("west", "950.00")]


def test_render_ranks(project):
    text = project.run("from salesreport import read_orders, render, summarize\nresult = render(summarize(read_orders(csv)))", csv=CSV)
    rows = [line.split() for line in text.splitlines()[1:-1]]
    assert [r[:2] for r in rows] == [["1", "east"], ["2", "north"], ["3", "south"], ["4", "west"]]
    assert rows[0][3] == "10,201.50"


def test_cli(project):
    got = project.run("""
import io, contextlib
from salesreport.__main__ import main
open("/tmp/o.csv", "w").write(csv)
buf = io.StringIO()
with contextlib.redirect_stdout(buf):
    code = main(["/tmp/o.csv"])
result = [code, buf.getvalue().splitlines()[1].split()[1]]
""", csv=CSV)
    assert got == [0, "east"]


def test_bad_amount(project):
    err = project.error("from salesreport import read_orders\nread_orders('order_id,region,amount\\n1,x,abc\\n')")
    assert err is not None and "ReportError" in err.mro
