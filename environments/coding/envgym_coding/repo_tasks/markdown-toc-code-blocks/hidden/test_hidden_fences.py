def test_skips_code_blocks(project):
    got = project.run("from mdtoc import headings\nresult = [h.title for h in headings(open('docs/README.md').read())]")
    assert got == ["Project", "Install", "Usage"]


def test_tilde_and_long_fences(project):
    md = "# A\n~~~python\n# not a heading\n```\n# still code\n~~~\n## B\n````\n```\n# code\n````\n### C\n"
    assert project.run("from mdtoc import headings\nresult = [h.title for h in headings(md)]", md=md) == ["A", "B", "C"]


def test_unique_anchors(project):
    got = project.run("from mdtoc import render_toc\nresult = render_toc('## Usage\\n## Usage\\n## Usage\\n## Other\\n')")
    assert got == "- [Usage](#usage)\n- [Usage](#usage-1)\n- [Usage](#usage-2)\n- [Other](#other)\n"


def test_insert(project):
    got = project.run("from mdtoc import insert_toc\nresult = insert_toc(open('docs/README.md').read()).splitlines()[3:6]")
    assert got == ["- [Project](#project)", "  - [Install](#install)", "  - [Usage](#usage)"]
