"""Errors of the shortening service."""

from __future__ import annotations


class UnknownLink(KeyError):
    """No link has this short code (or it was deleted)."""


class LinkExpired(UnknownLink):
    """The link existed but its time to live is over."""


class InvalidURL(ValueError):
    """The target URL cannot be shortened."""
