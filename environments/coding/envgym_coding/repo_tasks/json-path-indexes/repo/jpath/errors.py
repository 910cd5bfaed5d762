"""Errors raised by jpath."""

from __future__ import annotations


class PathError(ValueError):
    """A path is malformed, or does not fit the document's shape (e.g. an index into a dict)."""


class PathNotFound(LookupError):
    """A well-formed path names nothing in the document."""

    def __init__(self, path: str) -> None:
        super().__init__(f"nothing at {path!r}")
        self.path = path
