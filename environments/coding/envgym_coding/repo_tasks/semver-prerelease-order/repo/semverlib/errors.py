"""Errors raised by semverlib."""

from __future__ import annotations


class InvalidVersion(ValueError):
    """Text that is not a Semantic Versioning 2.0.0 version."""


class InvalidRange(ValueError):
    """A version range such as ``">=1.2.0 <2.0.0"`` or ``"^1.4"`` that cannot be parsed."""
