"""Errors raised by unitconv."""

from __future__ import annotations


class UnknownUnit(KeyError):
    """No unit has this symbol or alias."""


class IncompatibleUnits(ValueError):
    """The two units measure different dimensions (length and mass, say)."""
