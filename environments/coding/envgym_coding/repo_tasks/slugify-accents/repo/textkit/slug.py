"""URL slugs from arbitrary titles.

A slug is runs of lowercase ASCII letters and digits joined by a separator: ``"Hello, World!"`` becomes
``"hello-world"``. Slugs end up in URLs and file names, so nothing else may survive in them.
"""

from __future__ import annotations

import re
from typing import Iterable

DEFAULT_SEPARATOR = "-"

_WORD = re.compile(r"[a-z0-9]+")


def check_separator(separator: str) -> None:
    """Reject separators that could be mistaken for part of a word (or that vanish)."""
    if not separator or any(char.isalnum() for char in separator):
        raise ValueError(f"the separator must be non-empty punctuation, got {separator!r}")


def cut_slug(slug: str, separator: str, max_length: int) -> str:
    """Shorten ``slug`` to at most ``max_length`` characters, at a word boundary when there is one."""
    if max_length < 1:
        raise ValueError(f"max_length must be positive, got {max_length}")
    if len(slug) <= max_length:
        return slug
    # A separator starting at max_length still leaves a head of exactly max_length characters.
    boundary = slug.rfind(separator, 0, max_length + len(separator))
    return slug[:boundary] if boundary > 0 else slug[:max_length]


def slugify(text: str, separator: str = DEFAULT_SEPARATOR, max_length: int | None = None,
            stopwords: Iterable[str] = ()) -> str:
    """Turn ``text`` into a slug; words listed in ``stopwords`` (any case) are left out.

    >>> slugify("Hello, World!")
    'hello-world'
    >>> slugify("The Art of War", stopwords={"the", "of"})
    'art-war'
    """
    check_separator(separator)
    ascii_text = text.encode("ascii", "ignore").decode("ascii")
    skipped = {word.lower() for word in stopwords}
    words = [word for word in _WORD.findall(ascii_text.lower()) if word not in skipped]
    slug = separator.join(words)
    if max_length is not None:
        slug = cut_slug(slug, separator, max_length)
    return slug


def is_slug(text: str, separator: str = DEFAULT_SEPARATOR) -> bool:
    """True when ``text`` is already a slug, i.e. ``slugify`` would leave it unchanged."""
    check_separator(separator)
    words = text.split(separator)
    return bool(text) and all(_WORD.fullmatch(word) for word in words)
