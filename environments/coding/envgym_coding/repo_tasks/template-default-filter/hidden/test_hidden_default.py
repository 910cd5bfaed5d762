def test_default_used(project):
    got = project.run("""
from minitpl import render
result = [render('{{ nickname|default:"anonymous" }}', {}), render('{{ nickname|default:"anonymous" }}', {"nickname": None}),
          render("{{ n|default:'x' }}", {"n": ""}), render('{{ n|default:"x" }}', {"n": "Bo"}), render('{{ n|default:"x" }}', {"n": 0})]
""")
    assert got == ["anonymous", "anonymous", "x", "Bo", "0"]


def test_chained(project):
    got = project.run("""
from minitpl import render
result = [render('{{ city|default:"nowhere"|upper }}', {}), render('{{ city|trim|default:"none" }}', {"city": "  "}),
          render('{{ a.b|default:"a | b: c" }}', {"a": {}})]
""")
    assert got == ["NOWHERE", "none", "a | b: c"]


def test_missing_without_default_raises(project):
    err = project.error("from minitpl import render\nrender('{{ x|upper }}', {})")
    assert err is not None and "TemplateError" in err.mro


def test_old_filters(project):
    got = project.run("from minitpl import render\nresult = render('{{ a|upper }} {{ b|length }} {{ c }}', {'a': 'x', 'b': [1, 2], 'c': '<i>'})")
    assert got == "X 2 &lt;i&gt;"
