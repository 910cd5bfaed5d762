"""The limits of an episode host: one pydantic model, shared by every face of the host (the HTTP
server's ``ServerConfig`` extends it; a Ray worker takes it as ``limits``). Limits are on by default.

Example:
    >>> limits = HostLimits(step_timeout_s=30)
    >>> limits.step_timeout_s, limits.max_sessions, limits.reaper_interval
    (30.0, 1024, 30.0)
    >>> HostLimits(step_timeout_s=0)  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    pydantic_core._pydantic_core.ValidationError: ...
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class HostLimits(BaseModel):
    """What bounds the episodes of one host: how many at once, how long a step, an idle session, a
    session's life and an environment's ``close`` may take, and what a hand-made task may ask of a
    sandbox. Unknown keys are refused, naming the key."""

    model_config = ConfigDict(extra="forbid")

    max_sessions: int = Field(1024, ge=1, description="open sessions at once; beyond it 503 capacity_exhausted")
    step_timeout_s: float = Field(120.0, gt=0, description="limit on one reset, step or grade call")
    idle_timeout_s: float = Field(600.0, gt=0, description="sessions untouched this long are closed and forgotten")
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
    # What a hand-made task (a ``task`` object in the request) may make the host's sandboxes do; over
    # a cap the request is 422 invalid_request naming it. Tasks from installed suites are the
    # operator's and are not capped.
    max_task_memory_mb: int = Field(4096, ge=64, description="memory a hand-made task's sandbox may ask for")
    max_task_disk_mb: int = Field(8192, ge=16, description="disk a hand-made task's sandbox may ask for")
    max_task_cpu_s: int = Field(
        3600, ge=1, description="CPU seconds per command a hand-made task's sandbox may ask for"
    )
    max_task_command_timeout_s: float = Field(
        600.0, gt=0, description="wall-clock limit per command a hand-made task may ask for"
    )

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
