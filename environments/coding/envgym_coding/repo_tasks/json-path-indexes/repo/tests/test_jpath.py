import pytest

from jpath import PathError, exists, get, set_value, tokenize

DOC = {"a": {"b": [{"c": 1}, {"c": 2}]}, "name": "x"}


def test_tokenize():
    assert tokenize("a.b[1].c") == ["a", "b", 1, "c"]


def test_get():
    assert get(DOC, "a.b[1].c") == 2
    assert get(DOC, "a.zz", "dflt") == "dflt"
    assert exists(DOC, "name") and not exists(DOC, "a.b[5]")


def test_set():
    doc = {}
    set_value(doc, "x.y", 3)
    assert doc == {"x": {"y": 3}}


def test_errors():
    with pytest.raises(PathError):
        tokenize("a..[")
