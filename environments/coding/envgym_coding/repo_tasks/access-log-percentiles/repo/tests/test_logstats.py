from logstats.parser import parse_line, parse_log
from logstats.stats import summarize


def test_parse_line():
    hit = parse_line('1.2.3.4 - - [10/Oct/2024:13:55:36 +0000] "GET /a?x=1 HTTP/1.1" 200 512 12.5')
    assert hit.path == "/a" and hit.status == 200 and hit.latency_ms == 12.5


def test_summary():
    hits, bad = parse_log(open("sample/access.log").read())
    assert bad == 1
    row = summarize(hits)["/api/items"]
    assert row["hits"] == 20 and row["errors"] == 2
