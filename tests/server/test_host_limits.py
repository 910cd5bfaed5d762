"""``envgym.host.limits.HostLimits``: every limit on by default, none that can be switched off by a
zero, the idle reaper's pace derived from the limits it enforces, and the caps of hand-made tasks
naming real sandbox fields."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from envgym.host.limits import HostLimits
from envgym.sandbox.base import SandboxSpec


def test_every_limit_is_on_and_finite_by_default() -> None:
    limits = HostLimits()
    values = {k: v for k, v in limits.model_dump().items() if k != "reap_interval_s"}
    assert all(isinstance(v, (int, float)) and math.isfinite(v) and v > 0 for v in values.values()), values


@pytest.mark.parametrize("key", ["max_sessions", "step_timeout_s", "idle_timeout_s", "close_timeout_s"])
def test_a_zero_limit_is_refused_naming_the_key(key: str) -> None:
    with pytest.raises(ValidationError, match=key):
        HostLimits(**{key: 0})
    with pytest.raises(ValidationError, match="no_such_limit"):
        HostLimits(no_such_limit=1)  # type: ignore[call-arg]


def test_the_reaper_runs_often_enough_for_the_shortest_limit_it_enforces() -> None:
    assert HostLimits().reaper_interval == 30.0  # at most 30 s
    assert HostLimits(idle_timeout_s=8.0).reaper_interval == 2.0  # a quarter of the idle timeout
    assert HostLimits(max_session_lifetime_s=4.0).reaper_interval == 1.0  # a quarter of the lifetime
    assert HostLimits(idle_timeout_s=8.0, reap_interval_s=0.5).reaper_interval == 0.5  # as configured


def test_the_caps_of_hand_made_tasks_name_sandbox_fields_and_their_host_limits() -> None:
    limits = HostLimits(max_task_memory_mb=512, max_task_disk_mb=1024, max_task_cpu_s=60, max_task_command_timeout_s=90)
    caps = limits.task_caps
    assert set(caps) <= set(SandboxSpec.model_fields)  # a misspelt field would cap nothing
    assert caps == {
        "memory_mb": ("max_task_memory_mb", 512),
        "disk_mb": ("max_task_disk_mb", 1024),
        "cpu_seconds": ("max_task_cpu_s", 60),
        "wall_timeout_s": ("max_task_command_timeout_s", 90),
    }
    assert all(getattr(limits, name) == value for name, value in caps.values())
