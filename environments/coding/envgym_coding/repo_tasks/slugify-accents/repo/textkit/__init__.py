"""Text helpers for a small blog engine: URL slugs, titles, excerpts and reading statistics."""

from textkit.markup import excerpt, strip_tags
from textkit.slug import is_slug, slugify
from textkit.unique import SlugRegistry, unique_slug
from textkit.words import reading_time, title_case, truncate_words, word_count

__all__ = ["SlugRegistry", "excerpt", "is_slug", "reading_time", "slugify", "strip_tags", "title_case",
           "truncate_words", "unique_slug", "word_count"]
