import io
import json

import pytest

from microweb import App, BadRequest, Client, HTTPError, Request, Response
from users_service import create_app


def test_create_user():
    client = Client(create_app())
    resp = client.post("/users", {"name": "cy", "email": "cy@example.com"})
    assert resp.status == 201 and resp.headers["Location"] == "/users/43"
    assert client.get("/users/43").data() == {"id": 43, "name": "cy", "email": "cy@example.com"}
    assert client.post("/users", {"name": "cy", "email": "cy@example.com"}).status == 400
    assert client.post("/users", {"name": "", "email": "x@example.com"}).status == 400
    assert client.request("POST", "/users", headers={"X": "1"}).status == 400


def test_list_users_default_page():
    assert Client(create_app()).get("/users").data() == [1, 42]


def test_errors_hooks_and_handlers():
    web = App()

    @web.before_request
    def require_key(request):
        return None if request.header("X-Api-Key") == "k" else Response.json({"error": "no key"}, status=401)

    @web.get("/boom")
    def boom(request):
        raise RuntimeError("kaput")

    @web.errorhandler(404)
    def missing(error: HTTPError):
        return Response.text("nothing here", status=404)

    client = Client(web, headers={"x-api-key": "k"})
    assert Client(web).get("/boom").status == 401
    assert client.get("/boom").status == 500 and client.get("/boom").data() == {"error": "kaput"}
    assert client.get("/elsewhere").body == b"nothing here"


def test_wsgi():
    body = json.dumps({"name": "di", "email": "di@example.com"}).encode()
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/users", "CONTENT_TYPE": "application/json",
               "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)}
    seen = []
    chunks = create_app()(environ, lambda status, headers: seen.append((status, dict(headers))))
    assert seen[0][0] == "201 Created" and seen[0][1]["Location"] == "/users/43"
    assert json.loads(b"".join(chunks))["name"] == "di"
    head = {"REQUEST_METHOD": "HEAD", "PATH_INFO": "/users/1", "wsgi.input": io.BytesIO()}
    assert create_app()(head, lambda status, headers: seen.append((status, dict(headers)))) == []
    assert seen[1][0] == "200 OK"


def test_request_helpers():
    request = Request("post", "/x", {"Content-Type": "application/json"}, b"{bad")
    assert request.method == "POST" and request.header("content-type") == "application/json"
    with pytest.raises(BadRequest):
        request.json()
    assert Request("GET", "/x").json() is None
