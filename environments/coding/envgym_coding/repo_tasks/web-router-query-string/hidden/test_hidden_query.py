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


def test_list_limit(project):
    got = project.run("from microweb import Request\nfrom users_service import app\nr = app.handle(Request('GET', '/users?limit=1'))\nresult = [r.status, r.data()]")
    assert got == [200, [1]]


def test_old_behaviour(project):
    got = project.run("""
from microweb import Request
from users_service import app
result = [app.handle(Request("GET", "/users/1")).data()["email"], app.handle(Request("DELETE", "/users/1?x=1")).status,
          app.handle(Request("GET", "/users/7?fields=name")).status]
""")
    assert got == ["ada@example.com", 405, 404]
