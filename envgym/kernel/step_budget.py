"""How long the commands of one step may run: under the host's step timeout, with room to spare.

A host (the server) cancels a step that runs longer than its step timeout and ends the episode with
status ``timeout``: an infrastructure guard. A command the agent runs through a tool must never get
there. Each one is bounded by its own limit *and* by what is left of the step's budget, so a long
command is killed, the agent is told, and the episode goes on (and is graded as it ends), as in
Terminal-Bench. The host publishes its step timeout as the setting ``step_timeout_s``; without it
the server's default is assumed.

Example:
    >>> clock = StepBudget(step_timeout_s=120.0)
    >>> clock.total
    100.0
    >>> clock.limit(30.0)
    30.0
"""

from __future__ import annotations

import time
from typing import Any

from envgym.kernel.settings import CoreSettings

DEFAULT_STEP_TIMEOUT_S = 120.0  # HostLimits.step_timeout_s's default (envgym/host/limits.py)
SPARE_S = 20.0  # of a step, kept for what is not a command: file transfers, replies, starting a grade
MIN_COMMAND_S = 1.0


class StepBudget:
    """The time the commands of one step may use together."""

    def __init__(self, step_timeout_s: float | None = None) -> None:
        limit = float(step_timeout_s or DEFAULT_STEP_TIMEOUT_S)
        self.total = max(MIN_COMMAND_S, min(limit - SPARE_S, limit * 0.85))
        self.deadline = time.monotonic() + self.total

    @classmethod
    def of(cls, context: Any) -> "StepBudget":
        """The budget of a step under the host that built ``context`` (an EnvContext)."""
        return cls(context.settings_for(CoreSettings).step_timeout_s if context is not None else None)

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def limit(self, wanted: float) -> float:
        """The timeout for the next command: what it asked for, cut to what the step has left
        (at least MIN_COMMAND_S, so a command is never started with no time at all)."""
        return max(MIN_COMMAND_S, round(min(float(wanted), self.left()), 1))

    def spent(self) -> bool:
        return self.left() < MIN_COMMAND_S
