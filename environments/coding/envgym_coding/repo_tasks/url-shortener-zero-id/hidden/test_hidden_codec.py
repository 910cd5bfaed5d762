def test_zero(project):
    assert project.run("from shorty import encode, decode\nresult = [encode(0), decode(encode(0)), decode('0')]") == ["0", 0, 0]


def test_round_trip_many(project):
    assert project.run("from shorty import encode, decode\nresult = all(decode(encode(n)) == n for n in range(0, 200000, 7))") is True
    assert project.run("from shorty import encode\nresult = [encode(1), encode(61), encode(62), encode(3844)]") == ["1", "Z", "10", "100"]


def test_decode_rejects(project):
    for code in ["", "ab-c", "é", "a b", "!", "zz/"]:
        err = project.error("from shorty import decode\ndecode(code)", code=code)
        assert err is not None and "ValueError" in err.mro, code


def test_first_link(project):
    got = project.run("""
from shorty import Shortener, UnknownLink
s = Shortener()
first = s.shorten("https://example.com/")
url = s.resolve(first)
try:
    s.resolve("https://sho.rt/!!")
    bad = "no error"
except UnknownLink:
    bad = "unknown"
result = [first, url, s.stats(), bad, s.shorten("https://example.com/")]
""")
    assert got == ["https://sho.rt/0", "https://example.com/", {"0": 1}, "unknown", "https://sho.rt/0"]


def test_bad_codes_never_reach_other_links(project):
    got = project.run("""
from shorty import Shortener, UnknownLink
s = Shortener()
for path in ("a", "b", "c"):
    s.shorten("https://example.com/" + path)
outcomes = []
for short in ["https://sho.rt/", "https://sho.rt/!1", "https://sho.rt/-2", "~", "https://sho.rt/1"]:
    try:
        outcomes.append(s.resolve(short))
    except UnknownLink:
        outcomes.append("unknown")
result = [outcomes, s.stats()]
""")
    assert got == [["unknown", "unknown", "unknown", "unknown", "https://example.com/b"], {"0": 0, "1": 1, "2": 0}]


def test_first_link_over_http(project):
    got = project.run("""
import json
from shorty import Shortener
from shorty.web import App
app = App(Shortener())
status, headers, body = app.handle("POST", "/api/links", b'{"url": "https://example.com/start"}')
created = [status, json.loads(body)["short_url"]]
status, headers, _ = app.handle("GET", "/0")
redirect = [status, dict(headers).get("Location")]
status, _, body = app.handle("GET", "/api/links/0")
info = [status, json.loads(body)["visits"]]
result = [created, redirect, info, app.handle("GET", "/api/links/")[0], app.handle("GET", "/%21")[0]]
""")
    assert got == [[201, "https://sho.rt/0"], [301, "https://example.com/start"], [200, 1], 404, 404]


def test_first_link_survives_restart(project):
    got = project.run("""
import io, os, tempfile
from shorty import JsonFileStorage, Shortener
from shorty.cli import main
db = os.path.join(tempfile.mkdtemp(), "links.json")
out = io.StringIO()
main(["--db", db, "shorten", "https://example.com/first"], out=out)
short = out.getvalue().strip()
again = Shortener(storage=JsonFileStorage(db))
out = io.StringIO()
code = main(["--db", db, "expand", "0"], out=out)
result = [short, again.resolve(short), code, out.getvalue().strip()]
""")
    assert got == ["https://sho.rt/0", "https://example.com/first", 0, "https://example.com/first"]
