from textkit import slugify, title_case, unique_slug


def test_basic():
    assert slugify("Hello, World!") == "hello-world"
    assert slugify("  a  b  ", separator="_") == "a_b"


def test_max_length():
    assert slugify("the quick brown fox", max_length=12) == "the-quick"


def test_unique():
    assert unique_slug("Hello", {"hello", "hello-2"}) == "hello-3"


def test_title_case():
    assert title_case("the lord of the rings") == "The Lord of the Rings"
