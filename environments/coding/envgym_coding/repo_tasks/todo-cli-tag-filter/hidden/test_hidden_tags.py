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


def test_unknown_tag_lists_nothing(project):
    assert project.run(SETUP + "result = [run('list', '--tag', 'garden'), run('list', '--all', '--tag', 'Work')]") == [
        [0, []], [0, ["[ ]   2 report #work"]]]


def test_combines_with_other_list_options(project):
    got = project.run(SETUP + """
run("add", "call plumber", "--tag", "Home", "--priority", "high")
run("add", "buy paint", "--tag", "home", "--tag", "errands")
result = [run('list', '--tag', 'home', '--priority', 'high'), run('list', '--tag', 'home', '--sort', 'title'),
          run('list', '--tag', 'errands', '--search', 'paint'), run('list', '--all', '--tag', 'home', '--search', 'paint')]
""")
    assert got == [
        [0, ["[ ]   4 call plumber #home !high"]],
        [0, ["[ ]   5 buy paint #errands #home", "[ ]   4 call plumber #home !high", "[ ]   1 milk #errands #home"]],
        [0, ["[ ]   5 buy paint #errands #home"]],
        [0, ["[x]   3 paint #home", "[ ]   5 buy paint #errands #home"]],
    ]


def test_plain_list_and_other_commands_unchanged(project):
    got = project.run(SETUP + "result = [run('list'), run('tags'), run('list', '--all', '--search', 'PAINT')]")
    assert got == [[0, ["[ ]   1 milk #errands #home", "[ ]   2 report #work"]], [0, ["#errands 1", "#home 1", "#work 1"]],
                   [0, ["[x]   3 paint #home"]]]
