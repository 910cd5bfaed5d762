SETUP = """
import io, tempfile, os
from todo.cli import main
path = os.path.join(tempfile.mkdtemp(), "t.json")
def run(*argv):
    out = io.StringIO()
    code = main(["--file", path, *argv], out=out)
    return [code, out.getvalue().splitlines()]
run("add", "milk", "--tag", "home", "--tag", "errands")
run("add", "report", "--tag", "work")
run("add", "paint", "--tag", "home")
run("done", "3")
"""


def test_single_tag(project):
    assert project.run(SETUP + "result = run('list', '--tag', 'home')") == [0, ["[ ]   1 milk #errands #home"]]


def test_all_tags_required_case_insensitive(project):
    got = project.run(SETUP + "result = [run('list', '--tag', 'HOME', '--tag', 'errands'), run('list', '--tag', 'home', '--tag', 'work')]")
    assert got == [[0, ["[ ]   1 milk #errands #home"]], [0, []]]


def test_with_all(project):
    assert project.run(SETUP + "result = run('list', '--all', '--tag', 'home')") == [0, ["[ ]   1 milk #errands #home", "[x]   3 paint #home"]]


def test_plain_list_unchanged(project):
    assert project.run(SETUP + "result = run('list')") == [0, ["[ ]   1 milk #errands #home", "[ ]   2 report #work"]]
