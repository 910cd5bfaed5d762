"""Splitting a sequence into pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, Sequence, TypeVar

T = TypeVar("T")


class PageOutOfRange(IndexError):
    pass


@dataclass(frozen=True)
class Page(Generic[T]):
    number: int
    items: Sequence[T]
    total_pages: int

    @property
    def has_next(self) -> bool:
        return self.number < self.total_pages

    @property
    def has_previous(self) -> bool:
        return self.number > 1


class Paginator(Generic[T]):
    def __init__(self, items: Sequence[T], per_page: int) -> None:
        if per_page < 1:
            raise ValueError("per_page must be at least 1")
        self.items, self.per_page = items, per_page

    @property
    def total_pages(self) -> int:
        return len(self.items) // self.per_page + 1

    def page(self, number: int) -> Page[T]:
        if number < 1 or number > self.total_pages:
            raise PageOutOfRange(f"page {number} of {self.total_pages}")
        start = (number - 1) * self.per_page
        return Page(number, self.items[start:start + self.per_page], self.total_pages)
