import pytest

from minitpl import Template, TemplateError, TemplateSyntaxError, UndefinedError, render


def test_variables_and_filters():
    assert render("{{ a|upper }}-{{ b.c }}", {"a": "x", "b": {"c": 3}}) == "X-3"
    assert render("{{ a | trim | upper }}", {"a": "  x "}) == "X"
    assert render("{{ xs.1 }} {{ xs|last }} {{ xs|reverse|first }}", {"xs": [1, 2, 3]}) == "2 3 3"


def test_file_template():
    text = open("templates/greeting.txt").read()
    assert render(text, {"user": {"name": "ada lovelace"}, "messages": [1, 2]}) == "Hello Ada Lovelace! You have 2 new messages.\n"


def test_escaping():
    assert render("{{ x }}", {"x": "<b>"}) == "&lt;b&gt;"
    assert render("{{ x }}", {"x": "<b>"}, autoescape=False) == "<b>"
    assert render("[{{ x }}]", {"x": None}) == "[]"


def test_missing():
    with pytest.raises(TemplateError):
        render("{{ nope }}", {})
    with pytest.raises(UndefinedError):
        render("{{ a.b.c }}", {"a": {"b": {}}})


def test_syntax_errors():
    for source in ["{{ x|nosuchfilter }}", "{{ x", "{% if x %}never closed", "{% endfor %}", "{{ 1x }}", "{{ }}"]:
        with pytest.raises(TemplateSyntaxError):
            Template(source)


def test_comments_are_dropped():
    assert render("a{# note #}b", {}) == "ab"
