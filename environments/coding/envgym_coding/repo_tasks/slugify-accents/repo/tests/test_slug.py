import pytest

from textkit import is_slug, slugify, unique_slug


def test_basic():
    assert slugify("Hello, World!") == "hello-world"
    assert slugify("  a  b  ", separator="_") == "a_b"
    assert slugify("--Already--a--slug--") == "already-a-slug"


def test_max_length():
    assert slugify("the quick brown fox", max_length=12) == "the-quick"
    assert slugify("the quick brown fox", max_length=9) == "the-quick"
    assert slugify("supercalifragilistic", max_length=5) == "super"


def test_stopwords():
    assert slugify("The Art of War", stopwords={"the", "OF"}) == "art-war"


def test_bad_options():
    with pytest.raises(ValueError):
        slugify("x", separator="")
    with pytest.raises(ValueError):
        slugify("x", separator="a")
    with pytest.raises(ValueError):
        slugify("x", max_length=0)


def test_is_slug():
    assert is_slug("hello-world-2")
    assert not is_slug("Hello-world")
    assert not is_slug("hello--world")
    assert not is_slug("")


def test_unique():
    assert unique_slug("Hello", {"hello", "hello-2"}) == "hello-3"
    assert unique_slug("!!!", set()) == "item"
    assert unique_slug("long title here", {"long-title"}, max_length=10) == "long-2"
