import io
import json

from shorty import JsonFileStorage, Shortener
from shorty.cli import main
from shorty.web import App


def test_api_and_redirect():
    app = App(Shortener())
    app.handle("POST", "/api/links", b'{"url": "https://example.com/home"}')
    status, headers, body = app.handle("POST", "/api/links", b'{"url": "https://example.com/docs"}')
    created = json.loads(body)
    assert status == 201 and dict(headers)["Location"] == created["short_url"]
    status, headers, _ = app.handle("GET", "/" + created["code"])
    assert status == 301 and dict(headers)["Location"] == "https://example.com/docs"
    status, _, body = app.handle("GET", "/api/links/" + created["code"])
    assert status == 200 and json.loads(body)["visits"] == 1
    assert app.handle("GET", "/zzzz")[0] == 404
    assert app.handle("POST", "/api/links", b"not json")[0] == 400
    assert app.handle("POST", "/api/links", b'{"url": "mailto:a@b.c"}')[0] == 400
    assert app.handle("PUT", "/api/links")[0] == 405
    assert app.handle("DELETE", "/api/links/" + created["code"])[0] == 204
    assert app.handle("GET", "/" + created["code"])[0] == 404


def test_wsgi_call():
    app = App(Shortener())
    body = b'{"url": "https://example.com/"}'
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/api/links", "CONTENT_LENGTH": str(len(body)),
               "wsgi.input": io.BytesIO(body)}
    seen = []
    chunks = app(environ, lambda status, headers: seen.append(status))
    assert seen == ["201 Created"] and "short_url" in json.loads(b"".join(chunks))


def test_file_storage_survives_restarts(tmp_path):
    path = str(tmp_path / "links.json")
    first = Shortener(storage=JsonFileStorage(path))
    first.shorten("https://example.com/")
    short = first.shorten("https://example.com/kept")
    first.resolve(short)
    again = Shortener(storage=JsonFileStorage(path))
    assert again.resolve(short) == "https://example.com/kept"
    assert again.stats()[short.rsplit("/", 1)[1]] == 2


def test_cli(tmp_path):
    def run(*argv):
        out = io.StringIO()
        return main(["--db", str(tmp_path / "l.json"), *argv], out=out), out.getvalue().splitlines()

    run("shorten", "https://example.com/")
    code, lines = run("shorten", "https://example.com/x")
    assert code == 0 and lines[0].startswith("https://sho.rt/")
    assert run("expand", lines[0]) == (0, ["https://example.com/x"])
    assert run("expand", "https://sho.rt/zzzz")[0] == 1
    assert run("shorten", "nope")[0] == 1
