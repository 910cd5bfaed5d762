"""The server's settings: one pydantic model, filled from ``envgym serve`` options or by code.

Limits are on by default. Binding to anything but loopback without a token is refused here, so no
code path can start an open, unauthenticated server on a network interface.

Example:
    >>> ServerConfig(max_sessions=64, settings={"tasks_dir": "/data/tasks"}).max_sessions
    64
    >>> ServerConfig(host="0.0.0.0", token=None)  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    pydantic_core._pydantic_core.ValidationError: ...
"""

from __future__ import annotations

import ipaddress
import os
from typing import Any

from pydantic import Field, field_validator, model_validator

from envgym.host.limits import HostLimits

LOOPBACK_NAMES = {"localhost", "ip6-localhost", "ip6-loopback"}


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    host = host.strip().strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a hostname other than localhost may resolve to anything: treat it as public


class ServerConfig(HostLimits):
    """Everything ``create_app`` and ``envgym serve`` need: the episode host's limits
    (``envgym.host.HostLimits``) and what only an HTTP server has. ``settings`` reaches every
    environment and grader as ``EnvContext.settings`` (e.g. a tasks directory or a judge URL)."""

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    token: str | None = Field(
        default_factory=lambda: os.environ.get("ENVGYM_TOKEN") or None,
        description="bearer token; default: $ENVGYM_TOKEN",
    )
    max_body_bytes: int = Field(10 * 1024 * 1024, ge=1024, description="largest request body or WebSocket message")
    sandbox: str = Field("bwrap", description="sandbox provider environments get by default")
    sandbox_options: dict[str, Any] = Field(default_factory=dict)
    settings: dict[str, Any] = Field(default_factory=dict)
    header_timeout_s: float = Field(
        10.0, gt=0, description="limit on receiving a request's line and headers (envgym serve)"
    )
    body_timeout_s: float = Field(30.0, gt=0, description="limit on receiving a request's body, from its first byte")
    grader_workers: int | None = Field(
        None, ge=1, description="processes for bounded grading work; default min(4, CPUs)"
    )

    @field_validator("token")
    @classmethod
    def _empty_token_is_none(cls, value: str | None) -> str | None:
        return value or None

    @model_validator(mode="after")
    def _token_required_off_loopback(self) -> "ServerConfig":
        if self.token is None and not is_loopback(self.host):
            raise ValueError(
                f"binding to {self.host!r} exposes the server to the network, so it needs a bearer token: "
                "set ENVGYM_TOKEN or pass --token (or bind to 127.0.0.1)"
            )
        return self
