import io
import json

import pytest

from jpath import (PathError, PathNotFound, delete, exists, flatten, format_path, get, join, parent, require, set_value,
                   tokenize, unflatten)
from jpath.cli import main

DOC = {"a": {"b": [{"c": 1}, {"c": 2}]}, "name": "x"}


def test_tokenize():
    assert tokenize("a.b[1].c") == ["a", "b", 1, "c"]
    assert tokenize('a["x y"].b') == ["a", "x y", "b"]
    assert tokenize('["quote \\" inside"]') == ['quote " inside']


def test_format_path_round_trips():
    for tokens in (["a", "b", 1, "c"], ["a", "x y", 0], ["k-1", "_", 3]):
        assert tokenize(format_path(tokens)) == tokens
    assert format_path(["a", "x y", 0]) == 'a["x y"][0]'


def test_parent_and_join():
    assert parent("a.b[2]") == "a.b" and parent("a") is None
    assert join("a.b", 2, "c") == "a.b[2].c"


def test_get():
    assert get(DOC, "a.b[1].c") == 2
    assert get(DOC, "a.zz", "dflt") == "dflt"
    assert exists(DOC, "name") and not exists(DOC, "a.b[5]")
    with pytest.raises(PathNotFound):
        require(DOC, "a.zz")
    with pytest.raises(PathError):
        get(DOC, "name[0]")


def test_set():
    doc = {}
    set_value(doc, "x.y", 3)
    assert doc == {"x": {"y": 3}}
    set_value(doc, "x.list", [])
    set_value(doc, "x.list[0]", "appended")
    assert doc["x"]["list"] == ["appended"]
    with pytest.raises(PathError):
        set_value(doc, "x.list[5]", "far")


def test_delete():
    doc = {"a": [1, 2, 3], "b": {"c": 1}}
    assert delete(doc, "a[1]") == 2 and delete(doc, "b.c") == 1
    assert doc == {"a": [1, 3], "b": {}}
    assert delete(doc, "b.c", missing_ok=True) is None
    with pytest.raises(PathNotFound):
        delete(doc, "b.c")


def test_flatten_and_unflatten():
    doc = {"a": {"b": [1, {"c": None}], "e": {}}, "x y": "z"}
    flat = flatten(doc)
    assert flat == {"a.b[0]": 1, "a.b[1].c": None, "a.e": {}, '["x y"]': "z"}
    assert unflatten(flat) == doc
    assert unflatten({"l[2]": "c"}) == {"l": [None, None, "c"]}


def test_errors():
    for bad in ("a..[", "a[0]b", "a.[0]", '["unterminated'):
        with pytest.raises(PathError):
            tokenize(bad)


def test_cli():
    text = json.dumps(DOC)
    out = io.StringIO()
    assert main(["get", "-", "a.b[0].c"], stdin=io.StringIO(text), stdout=out) == 0
    assert out.getvalue() == "1\n"
    assert main(["get", "-", "a.zz"], stdin=io.StringIO(text), stdout=io.StringIO(), stderr=io.StringIO()) == 1
    out = io.StringIO()
    assert main(["set", "-", "a.b[1].c", "[true]"], stdin=io.StringIO(text), stdout=out) == 0
    assert json.loads(out.getvalue())["a"]["b"][1] == {"c": [True]}
    out = io.StringIO()
    assert main(["paths", "-"], stdin=io.StringIO('{"k": [1, "v"]}'), stdout=out) == 0
    assert out.getvalue() == 'k[0] = 1\nk[1] = "v"\n'
