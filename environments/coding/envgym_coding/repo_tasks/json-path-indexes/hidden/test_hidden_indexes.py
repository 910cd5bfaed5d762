DOC = {"items": [{"name": f"n{i}"} for i in range(15)]}


def test_multi_digit(project):
    got = project.call("jpath:get", DOC, "items[12].name")
    assert got == "n12"
    assert project.call("jpath:tokenize", "a[10][3].b") == ["a", 10, 3, "b"]
    assert project.call("jpath:tokenize", 'x["k"][100].y') == ["x", "k", 100, "y"]


def test_negative(project):
    assert project.run("from jpath import get\nresult = [get(doc, 'items[-1].name'), get(doc, 'items[-15].name'), get(doc, 'items[-16].name', 'none')]", doc=DOC) == ["n14", "n0", "none"]
    assert project.call("jpath:tokenize", "a[-1][-12]") == ["a", -1, -12]


def test_set_and_exists(project):
    got = project.run("from jpath import set_value, exists, get\nset_value(doc, 'items[11].name', 'z')\nset_value(doc, 'items[-1].x', 1)\nresult = [get(doc, 'items[11].name'), exists(doc, 'items[14].x'), exists(doc, 'items[99]')]", doc=DOC)
    assert got == ["z", True, False]


def test_invalid_paths(project):
    for path in ["items[", "items[a]", "items[1.5]", ".a", "a.", "", "items[]", "items[-]", "items[1]]", "items[12"]:
        err = project.error("from jpath import tokenize\ntokenize(p)", p=path)
        assert err is not None and "PathError" in err.mro, path


def test_delete_and_require(project):
    got = project.run("""
from jpath import delete, require
removed = delete(doc, "items[10]")
last = delete(doc, "items[-1]")
result = [removed, last, require(doc, "items[10].name"), require(doc, "items[-2].name"), len(doc["items"])]
""", doc=DOC)
    assert got == [{"name": "n10"}, {"name": "n14"}, "n11", "n12", 13]
    err = project.error("from jpath import require\nrequire(doc, 'items[-16]')", doc=DOC)
    assert err is not None and "PathNotFound" in err.mro


def test_unflatten_round_trip(project):
    doc = {"rows": [[i, str(i)] for i in range(12)], "meta": {"tags": [f"t{i}" for i in range(11)]}}
    got = project.run("from jpath import flatten, unflatten\nflat = flatten(doc)\nresult = [flat['rows[11][1]'], unflatten(flat)]", doc=doc)
    assert got == ["11", doc]


def test_path_helpers(project):
    got = project.run("from jpath import join, parent\nresult = [parent('a[10].b'), parent('a[-3][12]'), join('a[10]', 'b', 11)]")
    assert got == ["a[10]", "a[-3]", "a[10].b[11]"]


def test_cli_with_indexes(project):
    got = project.run("""
import io, json
from jpath.cli import main
text = json.dumps(doc)
first, second = io.StringIO(), io.StringIO()
codes = [main(["get", "-", "items[11].name"], stdin=io.StringIO(text), stdout=first),
         main(["set", "-", "items[-1].name", "last"], stdin=io.StringIO(text), stdout=second)]
result = [codes, first.getvalue(), json.loads(second.getvalue())["items"][14]]
""", doc=DOC)
    assert got == [[0, 0], '"n11"\n', {"name": "last"}]
