import io
import json
from datetime import date

from todo.cli import main

TODAY = date(2024, 5, 15)  # a Wednesday


def run(tmp_path, *argv):
    out = io.StringIO()
    code = main(["--file", str(tmp_path / "t.json"), *argv], out=out, today=TODAY)
    return code, out.getvalue().splitlines()


def test_add_and_list(tmp_path):
    run(tmp_path, "add", "buy milk", "--tag", "Home")
    run(tmp_path, "add", "write report", "--tag", "#work")
    assert run(tmp_path, "list")[1] == ["[ ]   1 buy milk #home", "[ ]   2 write report #work"]


def test_done_hides(tmp_path):
    run(tmp_path, "add", "a")
    run(tmp_path, "done", "1")
    assert run(tmp_path, "list")[1] == []
    assert run(tmp_path, "list", "--all")[1] == ["[x]   1 a"]
    run(tmp_path, "undo", "1")
    assert run(tmp_path, "list")[1] == ["[ ]   1 a"]


def test_priority_due_and_sorting(tmp_path):
    run(tmp_path, "add", "taxes", "--due", "2024-05-01", "--priority", "high")
    run(tmp_path, "add", "dentist", "--due", "friday")
    run(tmp_path, "add", "read book", "--priority", "low")
    assert run(tmp_path, "list", "--sort", "due")[1] == [
        "[ ]   1 taxes !high (due 2024-05-01, overdue)", "[ ]   2 dentist (due in 2 days)", "[ ]   3 read book !low"]
    assert run(tmp_path, "list", "--overdue")[1] == ["[ ]   1 taxes !high (due 2024-05-01, overdue)"]
    assert run(tmp_path, "list", "--priority", "low")[1] == ["[ ]   3 read book !low"]
    assert run(tmp_path, "list", "--sort", "title", "--search", "E")[1] == [
        "[ ]   2 dentist (due in 2 days)", "[ ]   3 read book !low", "[ ]   1 taxes !high (due 2024-05-01, overdue)"]
    assert run(tmp_path, "stats") == (0, ["3 open, 0 done, 1 overdue"])


def test_tags_and_retag(tmp_path):
    run(tmp_path, "add", "milk", "--tag", "home", "--tag", "shop")
    run(tmp_path, "add", "paint", "--tag", "home")
    assert run(tmp_path, "tags")[1] == ["#home 2", "#shop 1"]
    assert run(tmp_path, "retag", "1", "--add", "Errands", "--remove", "shop") == (0, ["[ ]   1 milk #errands #home"])
    assert run(tmp_path, "retag", "9", "--add", "x")[0] == 1


def test_rm_clear_and_errors(tmp_path):
    for title in ("a", "b", "c"):
        run(tmp_path, "add", title)
    run(tmp_path, "done", "1", "2")
    assert run(tmp_path, "rm", "3", "7")[0] == 1
    assert run(tmp_path, "clear") == (0, ["deleted 2 finished tasks"])
    assert run(tmp_path, "list", "--all")[1] == []
    assert run(tmp_path, "add", "x", "--due", "someday")[0] == 1


def test_reads_files_from_before_priorities(tmp_path):
    (tmp_path / "t.json").write_text(json.dumps([{"id": 4, "title": "old", "tags": ["a"], "done": False}]))
    assert run(tmp_path, "list")[1] == ["[ ]   4 old #a"]
