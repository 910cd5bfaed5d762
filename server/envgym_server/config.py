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

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

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


def _token_from_env() -> str | None:
    return os.environ.get("ENVGYM_TOKEN") or None


class ServerConfig(BaseModel):
    """Everything ``create_app`` and ``envgym serve`` need. ``settings`` reaches every environment
    and grader as ``EnvContext.settings`` (e.g. a tasks directory or a judge URL)."""

    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    token: str | None = Field(default_factory=_token_from_env, description="bearer token; default: $ENVGYM_TOKEN")
    max_sessions: int = Field(1024, ge=1, description="open sessions at once; beyond it 503 capacity_exhausted")
    step_timeout_s: float = Field(120.0, gt=0, description="limit on one reset, step or grade call")
    idle_timeout_s: float = Field(600.0, gt=0, description="sessions untouched this long are closed and forgotten")
    max_body_bytes: int = Field(10 * 1024 * 1024, ge=1024, description="largest request body or WebSocket message")
    sandbox: str = Field("bwrap", description="sandbox provider environments get by default")
    sandbox_options: dict[str, Any] = Field(default_factory=dict)
    settings: dict[str, Any] = Field(default_factory=dict)
    close_timeout_s: float = Field(
        30.0, gt=0, description="limit on an environment's close() before its sandboxes are closed by force"
    )
    retry_after_s: int = Field(1, ge=1, description="Retry-After sent with capacity_exhausted")
    reap_interval_s: float | None = Field(
        None, gt=0, description="how often the idle reaper runs; default idle_timeout_s/4, at most 30 s"
    )
    max_finished_sessions: int = Field(
        1024, ge=0, description="finished sessions kept readable until DELETE; beyond it the oldest are forgotten"
    )
    max_session_lifetime_s: float = Field(
        4 * 3600.0, gt=0, description="a session older than this is ended (status timeout) and forgotten"
    )
    header_timeout_s: float = Field(
        10.0, gt=0, description="limit on receiving a request's line and headers (envgym serve)"
    )
    body_timeout_s: float = Field(30.0, gt=0, description="limit on receiving a request's body, from its first byte")
    # What a hand-made task (a ``task`` object in the request body) may make the server's sandboxes
    # do; over a cap the request is 422 invalid_request naming it. Tasks from installed suites are
    # the operator's and are not capped.
    max_task_memory_mb: int = Field(4096, ge=64, description="memory a hand-made task's sandbox may ask for")
    max_task_disk_mb: int = Field(8192, ge=16, description="disk a hand-made task's sandbox may ask for")
    max_task_cpu_s: int = Field(
        3600, ge=1, description="CPU seconds per command a hand-made task's sandbox may ask for"
    )
    max_task_command_timeout_s: float = Field(
        600.0, gt=0, description="wall-clock limit per command a hand-made task may ask for"
    )
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

    @property
    def reaper_interval(self) -> float:
        return self.reap_interval_s or min(self.idle_timeout_s / 4, self.max_session_lifetime_s / 4, 30.0)

    @property
    def task_caps(self) -> dict[str, tuple[str, float]]:
        """SandboxSpec field -> (name of the cap, its value) for hand-made tasks."""
        return {
            "memory_mb": ("max_task_memory_mb", self.max_task_memory_mb),
            "disk_mb": ("max_task_disk_mb", self.max_task_disk_mb),
            "cpu_seconds": ("max_task_cpu_s", self.max_task_cpu_s),
            "wall_timeout_s": ("max_task_command_timeout_s", self.max_task_command_timeout_s),
        }
