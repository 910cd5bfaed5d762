def test_skips_code_blocks(project):
    got = project.run("from mdtoc import headings\nresult = [h.title for h in headings(open('docs/README.md').read())]")
    assert got == ["Project", "Install", "Usage"]


def test_tilde_and_long_fences(project):
    md = "# A\n~~~python\n# not a heading\n```\n# still code\n~~~\n## B\n````\n```\n# code\n````\n### C\n"
    assert project.run("from mdtoc import headings\nresult = [h.title for h in headings(md)]", md=md) == ["A", "B", "C"]


def test_fence_details(project):
    cases = {
        "indented fence with info string": "# A\n   ```python title=x\n# code\n   ```\n# B\n",
        "text after a fence does not close it": "# A\n```\n# code\n``` not a close\n# code\n```\n# B\n",
        "a shorter fence does not close it": "# A\n~~~~\n# code\n~~~\n# code\n~~~~~\n# B\n",
        "an unclosed block runs to the end": "# A\n# B\n```\n# code\n## code\n",
    }
    got = project.run("from mdtoc import headings\nresult = {k: [h.title for h in headings(md)] for k, md in cases.items()}",
                      cases=cases)
    assert got == {key: ["A", "B"] for key in cases}


def test_unique_anchors(project):
    got = project.run("from mdtoc import render_toc\nresult = render_toc('## Usage\\n## Usage\\n## Usage\\n## Other\\n')")
    assert got == "- [Usage](#usage)\n- [Usage](#usage-1)\n- [Usage](#usage-2)\n- [Other](#other)\n"


def test_unique_anchors_across_levels_and_markup(project):
    md = "# API\n## API\n### `API`\n## Run\n## **Run**\n"
    got = project.run("from mdtoc import render_toc\nresult = render_toc(md)", md=md)
    assert got == "- [API](#api)\n  - [API](#api-1)\n    - [API](#api-2)\n  - [Run](#run)\n  - [Run](#run-1)\n"


def test_code_does_not_use_up_anchors(project):
    md = "## Usage\n```sh\n## Usage\n```\n## Usage\n"
    got = project.run("from mdtoc import render_toc\nresult = render_toc(md)", md=md)
    assert got == "- [Usage](#usage)\n- [Usage](#usage-1)\n"


def test_insert(project):
    got = project.run("from mdtoc import insert_toc\nresult = insert_toc(open('docs/README.md').read()).splitlines()[3:6]")
    assert got == ["- [Project](#project)", "  - [Install](#install)", "  - [Usage](#usage)"]


def test_link_checker(project):
    md = ("# Guide\nSee [the second setup](#setup-1).\n## Setup\n```md\n[inside code](#nowhere)\n# Setup\n```\n"
          "## Setup\n[gone](#missing)\n")
    got = project.run("from mdtoc import broken_links\nresult = [(l.line, l.anchor) for l in broken_links(md)]", md=md)
    assert got == [(9, "missing")]


def test_cli_in_place(project):
    got = project.run("""
import io, os, tempfile
from mdtoc.cli import main
path = os.path.join(tempfile.mkdtemp(), "README.md")
with open(path, "w") as f:
    f.write(open("docs/README.md").read() + "## Usage\\n")
codes = [main([path, "--check"], stdout=io.StringIO()), main([path, "--in-place"], stdout=io.StringIO()),
         main([path, "--check"], stdout=io.StringIO())]
result = [codes, open(path).read().split("<!-- toc -->\\n")[1].split("<!-- tocstop -->")[0]]
""")
    assert got == [[1, 0, 0], "- [Project](#project)\n  - [Install](#install)\n  - [Usage](#usage)\n  - [Usage](#usage-1)\n"]
