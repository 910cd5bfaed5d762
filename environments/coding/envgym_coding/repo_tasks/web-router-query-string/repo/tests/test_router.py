import pytest

from microweb import App, Request, Response
from microweb.routing import compile_path
from users_service import app


def test_get_user():
    resp = app.handle(Request("GET", "/users/42"))
    assert resp.status == 200 and resp.data()["name"] == "bob"


def test_not_found_and_method():
    assert app.handle(Request("GET", "/nope")).status == 404
    resp = app.handle(Request("POST", "/users/1"))
    assert resp.status == 405 and resp.headers["Allow"] == "GET"


def test_int_converter():
    assert app.handle(Request("GET", "/users/abc")).status == 404


def test_converters_and_literal_dots():
    pattern, converters = compile_path("/files/<path:name>.txt")
    assert pattern.match("/files/a/b.txt").group("name") == "a/b"
    assert not pattern.match("/files/a/bxtxt")
    web = App()

    @web.get("/posts/<slug:slug>/<int:page>")
    def post(request, slug, page):
        return Response.json([slug, page])

    assert web.handle(Request("GET", "/posts/hello-world/2")).data() == ["hello-world", 2]
    assert web.handle(Request("GET", "/posts/Hello/2")).status == 404
    assert web.handle(Request("HEAD", "/posts/a/1")).status == 200
    with pytest.raises(ValueError):
        compile_path("/x/<float:n>")


def test_url_for():
    assert app.url_for("user", user_id=7) == "/users/7"
    assert app.url_for("users", query={"limit": 5, "tag": ["a", "b"]}) == "/users?limit=5&tag=a&tag=b"
    with pytest.raises(ValueError):
        app.url_for("user")
