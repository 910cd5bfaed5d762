import pytest

from minitpl import TemplateError, render


def test_variables_and_filters():
    assert render("{{ a|upper }}-{{ b.c }}", {"a": "x", "b": {"c": 3}}) == "X-3"


def test_file_template():
    text = open("templates/greeting.txt").read()
    assert render(text, {"user": {"name": "ada lovelace"}, "messages": [1, 2]}) == "Hello Ada Lovelace! You have 2 new messages.\n"


def test_escaping():
    assert render("{{ x }}", {"x": "<b>"}) == "&lt;b&gt;"
    assert render("{{ x }}", {"x": "<b>"}, autoescape=False) == "<b>"


def test_missing():
    with pytest.raises(TemplateError):
        render("{{ nope }}", {})
