"""URL slugs from arbitrary titles."""

from __future__ import annotations

import re

_NON_WORD = re.compile(r"[^a-z0-9]+")


def slugify(text: str, separator: str = "-", max_length: int | None = None) -> str:
    ascii_text = text.encode("ascii", "ignore").decode("ascii")
    slug = _NON_WORD.sub(separator, ascii_text.lower()).strip(separator)
    if max_length is not None and len(slug) > max_length:
        cut = slug[:max_length + 1]
        if separator in cut:
            slug = cut[:cut.rfind(separator)] if cut[-1] != separator else cut[:-1]
        else:
            slug = slug[:max_length]
        slug = slug.strip(separator)
    return slug
