from minitpl import Loader, Template, render


def test_if_elif_else():
    template = Template("{% if n %}n={{ n }}{% elif m %}m{% else %}none{% endif %}")
    assert [template.render(c) for c in ({"n": 1}, {"m": 1}, {}, {"n": 0})] == ["n=1", "m", "none", "none"]
    assert render("{% if not items %}empty{% endif %}", {"items": []}) == "empty"


def test_for_loop_and_empty():
    template = Template("{% for x in xs %}{{ loop.index }}:{{ x }}{% if not loop.last %},{% endif %}{% empty %}-{% endfor %}")
    assert template.render({"xs": ["a", "b"]}) == "1:a,2:b"
    assert template.render({"xs": []}) == "-"


def test_nested_scopes():
    source = "{% for row in rows %}{% for x in row %}{{ x }}{{ sep }}{% endfor %}|{% endfor %}"
    assert render(source, {"rows": [[1, 2], [3]], "sep": "."}) == "1.2.|3.|"


def test_loader(tmp_path):
    (tmp_path / "hello.txt").write_text("hi {{ name }}")
    loader = Loader(tmp_path)
    assert loader.render("hello.txt", {"name": "<ada>"}) == "hi &lt;ada&gt;"
    assert loader.get("hello.txt") is loader.get("hello.txt")
    assert loader.names() == ["hello.txt"]


def test_inbox_template():
    loader = Loader("templates")
    messages = [{"subject": " Lunch? ", "urgent": False}, {"subject": "Server down", "urgent": True}]
    assert loader.render("inbox.txt", {"user": {"name": "bo"}, "messages": messages}) == (
        "Inbox of Bo:\n1. Lunch?\n2. Server down (urgent)\n-- sent by the inbox service\n")
    assert loader.render("inbox.txt", {"user": {"name": "bo"}, "messages": []}) == (
        "Inbox of Bo:\nNo new messages.\n-- sent by the inbox service\n")
