from mdtoc import anchor_for, headings, render_toc


def test_anchor():
    assert anchor_for("Hello, World!") == "hello-world"


def test_levels():
    md = "# A\n## B\n### C\n#### D\n"
    assert render_toc(md) == "- [A](#a)\n  - [B](#b)\n    - [C](#c)\n"


def test_closing_hashes():
    assert headings("## Title ##")[0].title == "Title"
