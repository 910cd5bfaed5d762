import gzip
import io
import json
from datetime import datetime, timezone

import pytest

from logstats.cli import main
from logstats.filters import HitFilter, parse_status_classes, parse_when
from logstats.parser import parse_line, read_log
from logstats.report import format_bytes
from logstats.stats import status_breakdown, summarize, top, totals
from logstats.timeline import timeline


def sample():
    return read_log("sample/access.log")


def test_parse_line():
    hit = parse_line('1.2.3.4 - bob [10/Oct/2024:13:55:36 +0000] "GET /a?x=1 HTTP/1.1" 200 512 12.5')
    assert hit.path == "/a" and hit.query == "x=1" and hit.status == 200 and hit.latency_ms == 12.5
    assert hit.user == "bob" and hit.time == datetime(2024, 10, 10, 13, 55, 36, tzinfo=timezone.utc)
    assert hit.status_class == "2xx"


def test_parse_rejects_bad_lines():
    assert parse_line("not a log line") is None
    assert parse_line('1.2.3.4 - - [99/Foo/2024:13:55:36 +0000] "GET / HTTP/1.1" 200 5 1.0') is None
    assert parse_line('1.2.3.4 - - [10/Oct/2024:13:55:36 +0000] "GET / HTTP/1.1" 304 - 1.0').size == 0


def test_summary():
    hits, bad = sample()
    assert bad == 1
    row = summarize(hits)["/api/items"]
    assert row["hits"] == 20 and row["errors"] == 2 and row["bytes"] == sum(range(101, 121))
    assert list(summarize(hits)) == ["/api/items", "/health", "/login"]


def test_totals_and_statuses():
    hits, _ = sample()
    assert totals(hits)["hits"] == 26 and totals(hits)["errors"] == 3 and totals(hits)["clients"] == 8
    assert status_breakdown(hits) == {"2xx": 20, "3xx": 2, "4xx": 1, "5xx": 3}
    assert totals([])["error_rate"] == 0.0


def test_top_orders_by_key():
    summary = summarize(sample()[0])
    assert list(top(summary, "mean_ms")) == ["/health", "/login", "/api/items"]
    assert list(top(summary, "hits", 1)) == ["/api/items"]
    with pytest.raises(ValueError):
        top(summary, "colour")


def test_filters():
    hits, _ = sample()
    assert len(HitFilter(status_classes=parse_status_classes("5")).apply(hits)) == 3
    assert {h.path for h in HitFilter(methods=frozenset({"POST"})).apply(hits)} == {"/login"}
    window = HitFilter(since=parse_when("2024-10-10T13:56:00"), until=parse_when("2024-10-10T13:57:00"))
    assert len(window.apply(hits)) == 7
    with pytest.raises(ValueError):
        parse_status_classes("2xx,6xx")


def test_timeline_per_minute():
    buckets = timeline(sample()[0], "minute")
    assert [(b.start.minute, b.hits, b.errors) for b in buckets] == [(55, 18, 2), (56, 7, 0), (57, 1, 1)]


def test_format_bytes():
    assert [format_bytes(n) for n in (0, 1023, 1536, 5 * 1024 ** 3)] == ["0 B", "1023 B", "1.5 KiB", "5.0 GiB"]


def test_gzip_logs(tmp_path):
    target = tmp_path / "old.log.gz"
    with gzip.open(target, "wt") as fh:
        fh.write(open("sample/access.log").read())
    assert len(read_log(str(target))[0]) == 26


def test_cli_json():
    out = io.StringIO()
    assert main(["sample/access.log", "--json", "--path-prefix", "/api"], out=out) == 0
    document = json.loads(out.getvalue())
    assert list(document["paths"]) == ["/api/items"] and document["unparsed_lines"] == 1
    assert document["totals"]["hits"] == 20 and document["status"] == {"2xx": 18, "5xx": 2}


def test_cli_text():
    out = io.StringIO()
    assert main(["sample/access.log", "--sort", "hits", "--top", "2"], out=out) == 0
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("/api/items") and lines[1].startswith("/health")
    assert lines[-1] == "(1 lines could not be parsed)"


def test_cli_missing_file(capsys):
    assert main(["no/such.log"], out=io.StringIO()) == 1
    assert "error:" in capsys.readouterr().err
