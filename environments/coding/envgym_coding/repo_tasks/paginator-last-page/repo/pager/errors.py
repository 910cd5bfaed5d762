"""Errors raised by the pager package."""

from __future__ import annotations


class PageOutOfRange(IndexError):
    """A page number below 1 or past the last page was requested."""

    def __init__(self, number: int, total_pages: int) -> None:
        super().__init__(f"page {number} is out of range (1-{total_pages})")
        self.number = number
        self.total_pages = total_pages


class InvalidPageParameter(ValueError):
    """A ``page`` or ``per_page`` request parameter is not a positive integer."""

    def __init__(self, name: str, raw: str) -> None:
        super().__init__(f"{name} must be a positive integer, got {raw!r}")
        self.name = name
        self.raw = raw
