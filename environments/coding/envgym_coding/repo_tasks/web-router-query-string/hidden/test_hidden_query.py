def test_query_string_routes(project):
    got = project.run("""
from microweb import Request
from users_service import app
r = app.handle(Request("GET", "/users/42?fields=name"))
result = [r.status, r.data()]
""")
    assert got == [200, {"name": "bob"}]


def test_query_parsed(project):
    got = project.run("from microweb import Request\nresult = [Request('get', '/a/b?x=1&x=2&empty=&y=z').query, Request('GET', '/p').query, Request('GET', '/p?q=a').path]")
    assert got == [{"x": ["1", "2"], "empty": [""], "y": ["z"]}, {}, "/p"]


def test_query_edge_cases(project):
    got = project.run("""
from microweb import Request
cases = ['/users?', '/search?q=what?&x=1', '/s?name=J%C3%B6rg&q=a+b%26c', '/s?flag']
result = [[Request('GET', t).path, Request('GET', t).query] for t in cases]
""")
    assert got == [["/users", {}], ["/search", {"q": ["what?"], "x": ["1"]}],
                   ["/s", {"name": ["Jörg"], "q": ["a b&c"]}], ["/s", {"flag": [""]}]]


def test_list_limit(project):
    got = project.run("""
from microweb import Request
from users_service import app
result = [[r.status, r.data()] for r in (app.handle(Request('GET', '/users?limit=1')), app.handle(Request('GET', '/users?offset=1&limit=5')))]
""")
    assert got == [[200, [1]], [200, [42]]]


def test_query_arguments_are_validated(project):
    got = project.run("""
from microweb import Request
from users_service import app
result = [app.handle(Request('GET', t)).status for t in ['/users?limit=abc', '/users?limit=-1', '/users/search?q=', '/users/search']]
""")
    assert got == [400, 400, 400, 400]


def test_search(project):
    got = project.run("""
from microweb import Request
from users_service import app
r = app.handle(Request('GET', '/users/search?q=BO'))
result = [r.status, r.data(), app.handle(Request('GET', '/users/search?q=example.com')).data()]
""")
    assert got == [200, [42], [1, 42]]


def test_wsgi_client_and_url_for(project):
    got = project.run("""
import io
from microweb import Client, Request
from users_service import app
seen = []
environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/users/1", "QUERY_STRING": "fields=email,id", "wsgi.input": io.BytesIO()}
body = b"".join(app(environ, lambda status, headers: seen.append(status)))
client = Client(app).get("/users", query={"limit": 1, "offset": 1})
target = app.url_for("user", user_id=42, query={"fields": "name"})
result = [seen, body.decode(), [client.status, client.data()], target, app.handle(Request("GET", target)).data()]
""")
    assert got == [["200 OK"], '{"id": 1, "email": "ada@example.com"}', [200, [42]], "/users/42?fields=name", {"name": "bob"}]


def test_old_behaviour(project):
    got = project.run("""
from microweb import Request
from users_service import app
result = [app.handle(Request("GET", "/users/1")).data()["email"], app.handle(Request("DELETE", "/users/1?x=1")).status,
          app.handle(Request("GET", "/users/7?fields=name")).status, app.handle(Request("GET", "/nope?x=1")).status]
""")
    assert got == ["ada@example.com", 405, 404, 404]
