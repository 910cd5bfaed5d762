def test_percentile_nearest_rank(project):
    got = project.run("from logstats.stats import percentile\nv = [15, 20, 35, 40, 50]\nresult = [percentile(v, 5), percentile(v, 30), percentile(v, 40), percentile(v, 50), percentile(v, 100), percentile([3.5], 95)]")
    assert got == [15, 20, 20, 35, 50, 3.5]


def test_percentile_unsorted_input_left_unchanged(project):
    got = project.run("""
from logstats.stats import percentile
values = [9, 1, 8, 2, 7, 3, 6, 4, 5, 10]
result = [percentile(values, 95), percentile(values, 50), percentile(values, 0.5), percentile(values, 99.9), values]
""")
    assert got == [10, 5, 1, 10, [9, 1, 8, 2, 7, 3, 6, 4, 5, 10]]


def test_percentile_errors(project):
    for code in ["percentile([], 50)", "percentile([1], 0)", "percentile([1], 101)", "percentile([1, 2], -5)"]:
        err = project.error("from logstats.stats import percentile\n" + code)
        assert err is not None and "ValueError" in err.mro, code


def test_summarize_every_path(project):
    got = project.run("""
from logstats.parser import read_log
from logstats.stats import summarize
summary = summarize(read_log("sample/access.log")[0])
result = {path: [row["p50_ms"], row["p95_ms"], row["hits"], row["errors"]] for path, row in summary.items()}
""")
    assert got == {"/api/items": [31.0, 58.0, 20, 2], "/health": [0.6, 5000.0, 3, 1], "/login": [95.5, 120.0, 3, 0]}


def test_single_hit_path(project):
    got = project.run("""
from logstats.parser import parse_log
from logstats.stats import summarize
hits, _ = parse_log('1.2.3.4 - - [10/Oct/2024:13:55:36 +0000] "GET /only HTTP/1.1" 200 5 7.25')
row = summarize(hits)["/only"]
result = [row["p50_ms"], row["p95_ms"], row["mean_ms"]]
""")
    assert got == [7.25, 7.25, 7.25]


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


def test_cli_percentiles_follow_filters(project):
    got = project.run("""
import io, json
from logstats.cli import main
out = io.StringIO()
main(["sample/access.log", "--json", "--status", "5xx", "--path-prefix", "/api"], out=out)
row = json.loads(out.getvalue())["paths"]["/api/items"]
result = [row["p50_ms"], row["p95_ms"], row["hits"]]
""")
    assert got == [22.0, 43.0, 2]
