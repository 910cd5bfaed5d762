import io

from textkit import SlugRegistry, excerpt, strip_tags
from textkit.cli import main


def test_registry():
    registry = SlugRegistry(["news"])
    assert [registry.claim("News"), registry.claim("news!"), registry.claim("Sports")] == ["news-2", "news-3", "sports"]
    registry.release("news-2")
    assert registry.claim("NEWS") == "news-2"
    assert "sports" in registry and len(registry) == 4


def test_markup():
    html = "<p>Hello &amp; welcome</p><script>var x;</script><p>to the <b>blog</b></p>"
    assert strip_tags(html) == "Hello & welcome to the blog"
    assert excerpt(html, max_chars=16) == "Hello & welcome…"


def run(*argv):
    out = io.StringIO()
    return main(list(argv), out=out), out.getvalue().splitlines()


def test_cli():
    assert run("slug", "Hello World", "hello world", "--unique") == (0, ["hello-world", "hello-world-2"])
    assert run("slug", "a b", "--separator", "_") == (0, ["a_b"])
    assert run("title", "war and peace") == (0, ["War and Peace"])


def test_cli_stats(tmp_path):
    page = tmp_path / "post.html"
    page.write_text("<h1>Title</h1><p>" + "word " * 250 + "</p>")
    assert run("stats", str(page)) == (0, ["words: 251", "reading time: 2 min"])
    assert run("stats", str(tmp_path / "missing.html"))[0] == 1
