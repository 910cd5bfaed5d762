"""Slugs that do not collide with existing ones."""

from __future__ import annotations

from typing import Container

from textkit.slug import slugify


def unique_slug(text: str, taken: Container[str], separator: str = "-") -> str:
    base = slugify(text, separator) or "item"
    if base not in taken:
        return base
    n = 2
    while f"{base}{separator}{n}" in taken:
        n += 1
    return f"{base}{separator}{n}"
