import io

from mdtoc import anchor_for, anchor_links, broken_links, headings, insert_toc, plain_text, render_toc, toc_is_current
from mdtoc.cli import main


def test_anchor():
    assert anchor_for("Hello, World!") == "hello-world"
    assert anchor_for("snake_case and-dashes") == "snake_case-and-dashes"


def test_plain_text():
    assert plain_text("Using `run` with **care**") == "Using run with care"
    assert plain_text("[Docs](http://x) and ![logo](l.png)") == "Docs and logo"
    assert plain_text("The `__init__` of snake_case_name") == "The __init__ of snake_case_name"
    assert plain_text("*em* _also em_ ~~gone~~ <b>bold</b>") == "em also em gone bold"


def test_levels():
    md = "# A\n## B\n### C\n#### D\n"
    assert render_toc(md) == "- [A](#a)\n  - [B](#b)\n    - [C](#c)\n"
    assert render_toc(md, min_level=2, max_level=4) == "- [B](#b)\n  - [C](#c)\n    - [D](#d)\n"
    assert render_toc(md, max_level=2, numbered=True) == "1. [A](#a)\n   1. [B](#b)\n"


def test_closing_hashes_and_indentation():
    assert headings("## Title ##")[0].title == "Title"
    assert headings("# C#")[0].title == "C#"
    assert [h.title for h in headings("   # Indented\n    # code, not a heading\n#hashtag\n")] == ["Indented"]


def test_front_matter_is_skipped():
    md = "---\ntitle: x\n# a yaml comment\n---\n# Real\n"
    assert [(h.title, h.line) for h in headings(md)] == [("Real", 5)]


def test_insert_replaces_an_old_toc_and_is_idempotent():
    md = "# Doc\n<!-- toc -->\n- [Old](#old)\n<!-- tocstop -->\n## New\n"
    once = insert_toc(md)
    assert once == "# Doc\n<!-- toc -->\n- [Doc](#doc)\n  - [New](#new)\n<!-- tocstop -->\n## New\n"
    assert insert_toc(once) == once and toc_is_current(once) and not toc_is_current(md)
    assert insert_toc("# No marker\n") == "# No marker\n"


def test_anchor_links():
    md = "# Intro\nSee [setup](#setup) and [intro](#intro), not `[x](#code)`.\n## Setup\n[bad](#nowhere)\n"
    assert [(link.line, link.anchor) for link in anchor_links(md)] == [(2, "setup"), (2, "intro"), (4, "nowhere")]
    assert [link.anchor for link in broken_links(md)] == ["nowhere"]


def test_cli_check_and_in_place(tmp_path):
    doc = tmp_path / "README.md"
    doc.write_text("# Title\n<!-- toc -->\n## Part\n")
    out = io.StringIO()
    assert main([str(doc), "--check"], stdout=out) == 1 and "out of date" in out.getvalue()
    assert main([str(doc), "--in-place"], stdout=io.StringIO()) == 0
    assert doc.read_text() == "# Title\n<!-- toc -->\n- [Title](#title)\n  - [Part](#part)\n<!-- tocstop -->\n## Part\n"
    assert main([str(doc), "--check"], stdout=io.StringIO()) == 0
    out = io.StringIO()
    assert main([str(doc)], stdout=out) == 0 and out.getvalue() == "- [Title](#title)\n  - [Part](#part)\n"
