"""Typed errors of the web environment (stable codes from ``envgym.protocol.errors``)."""

from __future__ import annotations

from envgym.protocol.errors import EnvironmentFailed


class BrowserUnavailable(EnvironmentFailed):
    """No Chromium to launch: neither a system Chromium nor Playwright's own browser was found."""


class BrowserCrashed(EnvironmentFailed):
    """The episode's Chromium process died or its page crashed."""
