from textkit.slug import slugify
from textkit.unique import unique_slug
from textkit.words import title_case, truncate_words

__all__ = ["slugify", "title_case", "truncate_words", "unique_slug"]
