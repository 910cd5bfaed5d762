from textkit import reading_time, title_case, truncate_words, word_count


def test_title_case():
    assert title_case("the lord of the rings") == "The Lord of the Rings"
    assert title_case("what it is for") == "What It Is For"


def test_truncate_words():
    assert truncate_words("one  two three", 2) == "one two..."
    assert truncate_words("one two", 5) == "one two"


def test_counts():
    assert word_count("Don't panic, it's fine.") == 4
    assert reading_time("") == 0
    assert reading_time("word " * 201) == 2
