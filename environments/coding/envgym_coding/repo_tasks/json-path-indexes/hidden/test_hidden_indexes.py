DOC = {"items": [{"name": f"n{i}"} for i in range(15)]}


def test_multi_digit(project):
    got = project.call("jpath:get", DOC, "items[12].name")
    assert got == "n12"
    assert project.call("jpath:tokenize", "a[10][3].b") == ["a", 10, 3, "b"]


def test_negative(project):
    assert project.run("from jpath import get\nresult = [get(doc, 'items[-1].name'), get(doc, 'items[-15].name'), get(doc, 'items[-16].name', 'none')]", doc=DOC) == ["n14", "n0", "none"]


def test_set_and_exists(project):
    got = project.run("from jpath import set_value, exists, get\nset_value(doc, 'items[11].name', 'z')\nset_value(doc, 'items[-1].x', 1)\nresult = [get(doc, 'items[11].name'), exists(doc, 'items[14].x'), exists(doc, 'items[99]')]", doc=DOC)
    assert got == ["z", True, False]


def test_invalid_paths(project):
    for path in ["items[", "items[a]", "items[1.5]", ".a", "a.", ""]:
        err = project.error("from jpath import tokenize\ntokenize(p)", p=path)
        assert err is not None and "PathError" in err.mro, path
