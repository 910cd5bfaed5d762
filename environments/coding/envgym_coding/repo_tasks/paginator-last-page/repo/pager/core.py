"""Splitting a sequence into numbered pages."""

from __future__ import annotations

from typing import Generic, Iterator, Sequence, TypeVar

from pager.errors import PageOutOfRange
from pager.page import Page

T = TypeVar("T")


def _require_int(name: str, value: object) -> int:
    # bool is an int subclass, but Paginator(items, True) is always a caller's mistake.
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    return value


class Paginator(Generic[T]):
    """Splits ``items`` into pages of ``per_page`` items, numbered from 1.

    An empty listing still has one (empty) page, so that page 1 is always a valid request.
    """

    def __init__(self, items: Sequence[T], per_page: int) -> None:
        if _require_int("per_page", per_page) < 1:
            raise ValueError("per_page must be at least 1")
        self.items, self.per_page = items, per_page

    def __repr__(self) -> str:
        return f"Paginator(<{len(self.items)} items>, per_page={self.per_page})"

    @property
    def count(self) -> int:
        """Number of items over all pages."""
        return len(self.items)

    @property
    def total_pages(self) -> int:
        return len(self.items) // self.per_page + 1

    @property
    def page_range(self) -> range:
        return range(1, self.total_pages + 1)

    def validate_number(self, number: int) -> int:
        """Return ``number`` if it names an existing page, else raise ``PageOutOfRange``."""
        if _require_int("page number", number) < 1 or number > self.total_pages:
            raise PageOutOfRange(number, self.total_pages)
        return number

    def page(self, number: int) -> Page[T]:
        number = self.validate_number(number)
        start = (number - 1) * self.per_page
        return Page(number, self.items[start:start + self.per_page], self.total_pages, start, self.count)

    def get_page(self, number: object) -> Page[T]:
        """Lenient lookup for untrusted input: a non-number gives the first page, anything past the end the last."""
        try:
            wanted = int(str(number).strip())
        except ValueError:
            wanted = 1
        return self.page(min(max(wanted, 1), self.total_pages))

    def first(self) -> Page[T]:
        return self.page(1)

    def last(self) -> Page[T]:
        return self.page(self.total_pages)

    def pages(self) -> Iterator[Page[T]]:
        """Every page in order (at least one)."""
        for number in self.page_range:
            yield self.page(number)

    def page_of(self, index: int) -> int:
        """Number of the page that shows ``items[index]`` (negative indexes count from the end)."""
        size = len(self.items)
        position = index + size if _require_int("index", index) < 0 else index
        if not 0 <= position < size:
            raise IndexError(f"item index {index} out of range for {size} items")
        return position // self.per_page + 1
