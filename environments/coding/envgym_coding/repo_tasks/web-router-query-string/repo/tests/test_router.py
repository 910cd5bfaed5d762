from microweb import Request
from users_service import app


def test_get_user():
    resp = app.handle(Request("GET", "/users/42"))
    assert resp.status == 200 and resp.data()["name"] == "bob"


def test_not_found_and_method():
    assert app.handle(Request("GET", "/nope")).status == 404
    assert app.handle(Request("POST", "/users/1")).status == 405


def test_int_converter():
    assert app.handle(Request("GET", "/users/abc")).status == 404
