"""One page of a paginated listing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, Iterator, Sequence, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """Page ``number`` (from 1) of ``total_pages``; ``offset`` is the index of its first item in the listing."""

    number: int
    items: Sequence[T]
    total_pages: int
    offset: int = 0
    total_items: int = 0

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    @property
    def has_next(self) -> bool:
        return self.number < self.total_pages

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    @property
    def next_number(self) -> int | None:
        return self.number + 1 if self.has_next else None

    @property
    def previous_number(self) -> int | None:
        return self.number - 1 if self.has_previous else None

    @property
    def start_index(self) -> int:
        """1-based position of the first item in the whole listing (0 for an empty page)."""
        return self.offset + 1 if self.items else 0

    @property
    def end_index(self) -> int:
        """1-based position of the last item in the whole listing (0 for an empty page)."""
        return self.offset + len(self.items) if self.items else 0

    def summary(self, noun: str = "items") -> str:
        """The caption shown under a listing, e.g. ``"Showing 11-20 of 45 items"``."""
        if not self.items:
            return f"No {noun}"
        return f"Showing {self.start_index}-{self.end_index} of {self.total_items} {noun}"
