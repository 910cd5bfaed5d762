"""Typed errors of the web environment (stable codes from ``envgym.errors``)."""

from __future__ import annotations

from envgym.errors import EnvironmentError_


class BrowserUnavailable(EnvironmentError_):
    """No Chromium to launch: neither a system Chromium nor Playwright's own browser was found."""


class BrowserCrashed(EnvironmentError_):
    """The episode's Chromium process died or its page crashed."""
