"""Small text helpers used by the blog engine."""

from __future__ import annotations


def truncate_words(text: str, limit: int, ellipsis: str = "...") -> str:
    words = text.split()
    if len(words) <= limit:
        return " ".join(words)
    return " ".join(words[:limit]) + ellipsis


def title_case(text: str) -> str:
    small = {"a", "an", "the", "of", "and", "or", "in", "on", "at", "to"}
    words = text.lower().split()
    return " ".join(w if i and w in small else w.capitalize() for i, w in enumerate(words))
