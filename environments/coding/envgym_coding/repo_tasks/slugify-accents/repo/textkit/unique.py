"""Slugs that do not collide with existing ones: ``hello``, then ``hello-2``, ``hello-3``..."""

from __future__ import annotations

from typing import Container, Iterable, Iterator

from textkit.slug import DEFAULT_SEPARATOR, cut_slug, slugify

FALLBACK = "item"


def unique_slug(text: str, taken: Container[str], separator: str = DEFAULT_SEPARATOR,
                max_length: int | None = None, fallback: str = FALLBACK) -> str:
    """The slug of ``text``, numbered if needed so that it is not in ``taken``.

    Text without any letter or digit gets ``fallback``. With ``max_length``, the base is shortened further
    so that base plus number still fits.
    """
    base = slugify(text, separator, max_length) or fallback
    if base not in taken:
        return base
    number = 2
    while True:
        suffix = f"{separator}{number}"
        stem = base
        if max_length is not None:
            if len(suffix) >= max_length:
                raise ValueError(f"no unique slug for {text!r} fits in {max_length} characters")
            stem = cut_slug(base, separator, max_length - len(suffix))
        candidate = stem + suffix
        if candidate not in taken:
            return candidate
        number += 1


class SlugRegistry:
    """The slugs in use in one place (a blog, a section of a site); hands out new unique ones.

    >>> registry = SlugRegistry(["hello"])
    >>> registry.claim("Hello!")
    'hello-2'
    """

    def __init__(self, taken: Iterable[str] = (), separator: str = DEFAULT_SEPARATOR,
                 max_length: int | None = None) -> None:
        self.separator = separator
        self.max_length = max_length
        self._taken: set[str] = set(taken)

    def claim(self, text: str) -> str:
        """A new slug for ``text``, recorded as taken."""
        slug = unique_slug(text, self._taken, self.separator, self.max_length)
        self._taken.add(slug)
        return slug

    def release(self, slug: str) -> None:
        """Give ``slug`` back (its page was deleted); releasing an unknown slug is an error."""
        try:
            self._taken.remove(slug)
        except KeyError:
            raise KeyError(f"slug {slug!r} is not taken") from None

    def __contains__(self, slug: object) -> bool:
        return slug in self._taken

    def __len__(self) -> int:
        return len(self._taken)

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._taken))
