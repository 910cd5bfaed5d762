def test_percentile_nearest_rank(project):
    got = project.run("from logstats.stats import percentile\nv = [15, 20, 35, 40, 50]\nresult = [percentile(v, 5), percentile(v, 30), percentile(v, 40), percentile(v, 50), percentile(v, 100), percentile([3.5], 95)]")
    assert got == [15, 20, 20, 35, 50, 3.5]


def test_percentile_unsorted_input(project):
    assert project.call("logstats.stats:percentile", [9, 1, 8, 2, 7, 3, 6, 4, 5, 10], 95) == 10


def test_percentile_errors(project):
    for code in ["percentile([], 50)", "percentile([1], 0)", "percentile([1], 101)"]:
        err = project.error("from logstats.stats import percentile\n" + code)
        assert err is not None and "ValueError" in err.mro, code


def test_summary_and_cli(project):
    got = project.run("""
import io, json
from logstats.cli import main
out = io.StringIO()
main(["sample/access.log", "--json"], out=out)
row = json.loads(out.getvalue())["paths"]["/api/items"]
result = [row["p50_ms"], row["p95_ms"], row["hits"], row["mean_ms"]]
""")
    assert got == [31.0, 58.0, 20, 32.5]
