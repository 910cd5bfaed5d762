"""Small word-level text helpers used by the blog engine."""

from __future__ import annotations

import math
import re

# Words that stay lowercase inside a title (English style guides agree on at least these).
SMALL_WORDS = frozenset({"a", "an", "the", "of", "and", "or", "nor", "but", "in", "on", "at", "to", "by", "for"})
WORDS_PER_MINUTE = 200

_WORD = re.compile(r"\w+(?:['’]\w+)*")


def truncate_words(text: str, limit: int, ellipsis: str = "...") -> str:
    """The first ``limit`` words of ``text`` (whitespace collapsed), with ``ellipsis`` if anything was cut."""
    if limit < 0:
        raise ValueError(f"limit must not be negative, got {limit}")
    words = text.split()
    if len(words) <= limit:
        return " ".join(words)
    return " ".join(words[:limit]) + ellipsis


def title_case(text: str) -> str:
    """Capitalise each word except small words in the middle; the first and last word are always capitalised."""
    words = text.lower().split()
    last = len(words) - 1
    return " ".join(word if 0 < i < last and word in SMALL_WORDS else word.capitalize()
                    for i, word in enumerate(words))


def word_count(text: str) -> int:
    """Words in ``text``; contractions like "don't" count once, punctuation not at all."""
    return len(_WORD.findall(text))


def reading_time(text: str, words_per_minute: int = WORDS_PER_MINUTE) -> int:
    """Whole minutes needed to read ``text``, rounded up; at least 1 for any non-empty text."""
    if words_per_minute <= 0:
        raise ValueError(f"words_per_minute must be positive, got {words_per_minute}")
    count = word_count(text)
    return max(1, math.ceil(count / words_per_minute)) if count else 0
