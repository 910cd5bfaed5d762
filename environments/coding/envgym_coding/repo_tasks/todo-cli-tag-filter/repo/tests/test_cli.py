import io

from todo.cli import main


def run(tmp_path, *argv):
    out = io.StringIO()
    code = main(["--file", str(tmp_path / "t.json"), *argv], out=out)
    return code, out.getvalue().splitlines()


def test_add_and_list(tmp_path):
    run(tmp_path, "add", "buy milk", "--tag", "Home")
    run(tmp_path, "add", "write report", "--tag", "work")
    assert run(tmp_path, "list")[1] == ["[ ]   1 buy milk #home", "[ ]   2 write report #work"]


def test_done_hides(tmp_path):
    run(tmp_path, "add", "a")
    run(tmp_path, "done", "1")
    assert run(tmp_path, "list")[1] == []
    assert run(tmp_path, "list", "--all")[1] == ["[x]   1 a"]
