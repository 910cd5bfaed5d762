CSV = 'order_id,region,amount\n1,west,950.00\n2,east,"10,200.50"\n3,north,2000\n4,south,950\n5,east,1\n'
TIES = ('order_id,region,amount\n1,alpha,100\n2,bravo,99.99\n3,charlie,"1,000"\n4,delta,5\n5,delta,(10.00)\n'
        '6,echo,60\n7,echo,40.00\n8,foxtrot,9.5\n')


def test_ranked_by_total(project):
    got = project.run("from salesreport import read_orders, summarize\nresult = [(s.region, str(s.total)) for s in summarize(read_orders(csv))]", csv=CSV)
    assert got == [("east", "10201.50"), ("north", "2000"), ("south", "950"), ("west", "950.00")]


def test_ties_refunds_and_magnitudes(project):
    got = project.run("from salesreport import read_orders, summarize\nresult = [s.region for s in summarize(read_orders(csv))]", csv=TIES)
    assert got == ["charlie", "alpha", "echo", "bravo", "foxtrot", "delta"]


def test_render_ranks(project):
    text = project.run("from salesreport import read_orders, render, summarize\nresult = render(summarize(read_orders(csv)))", csv=CSV)
    rows = [line.split() for line in text.splitlines()[1:-1]]
    assert [r[:2] for r in rows] == [["1", "east"], ["2", "north"], ["3", "south"], ["4", "west"]]
    assert rows[0][3] == "10,201.50"
    assert text.splitlines()[-1].split() == ["all", "5", "14,101.50"]


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


def test_cli_top_and_exports(project):
    got = project.run("""
import io, contextlib, json
from salesreport.__main__ import main
open("/tmp/t.csv", "w").write(csv)
outputs = []
for argv in (["/tmp/t.csv", "--top", "2"], ["/tmp/t.csv", "--format", "csv"], ["/tmp/t.csv", "--format", "json", "--top", "3"]):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(argv)
    outputs.append([code, buf.getvalue()])
top_rows = [line.split()[:2] for line in outputs[0][1].splitlines()[1:-1]]
csv_regions = [line.split(",")[:2] for line in outputs[1][1].splitlines()[1:]]
json_regions = [[r["rank"], r["region"], r["total"]] for r in json.loads(outputs[2][1])["regions"]]
result = [[o[0] for o in outputs], top_rows, csv_regions, json_regions]
""", csv=TIES)
    assert got == [[0, 0, 0], [["1", "charlie"], ["2", "alpha"]],
                   [["1", "charlie"], ["2", "alpha"], ["3", "echo"], ["4", "bravo"], ["5", "foxtrot"], ["6", "delta"]],
                   [[1, "charlie", "1000.00"], [2, "alpha", "100.00"], [3, "echo", "100.00"]]]


def test_bad_amount(project):
    err = project.error("from salesreport import read_orders\nread_orders('order_id,region,amount\\n1,x,abc\\n')")
    assert err is not None and "ReportError" in err.mro
