"""What an episode host reports as its episodes go: hooks, no-ops here, which a face of the host may
override (the HTTP server's Prometheus metrics, ``envgym_server.metrics``).

Example:
    >>> HostMetrics().step_done("ray", 0.01) is None
    True
"""

from __future__ import annotations


class HostMetrics:
    """The host's reports, as methods a face overrides; each does nothing here."""

    def session_created(self, env_id: str, reset_s: float) -> None:
        """A session was created; its reset took ``reset_s`` seconds."""

    def step_done(self, transport: str, seconds: float) -> None:
        """A step finished (``transport``: how it came: rest, ws, ray, ...)."""

    def session_closed(self, status: str) -> None:
        """A session ended and released its resources, with this final status."""

    def session_reaped(self) -> None:
        """The reaper closed a session (idle, or past its lifetime)."""
