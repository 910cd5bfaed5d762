"""envgym: a plugin-based gym of agentic RL environments for language models.

Example:
    >>> import envgym
    >>> env = envgym.make("debug/echo")          # doctest: +SKIP
    >>> obs, info = env.reset(seed=0)           # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

from envgym.kernel.context import EnvContext
from envgym.kernel.environment import Environment, Policy, ScriptedPolicy, SyncEnvironment
from envgym.kernel.grader import Grader, get_grader
from envgym.kernel.registry import register
from envgym.protocol import (
    Action,
    EpisodeStatus,
    Grade,
    GradeComponent,
    GraderSpec,
    Message,
    Observation,
    StepResult,
    Submission,
    SuiteInfo,
    Task,
    Tool,
)
from envgym.protocol.errors import EnvgymError

__version__ = "0.1.0"

__all__ = [
    "Action",
    "AsyncClient",
    "Client",
    "EnvContext",
    "EnvgymError",
    "Environment",
    "EpisodeStatus",
    "Grade",
    "GradeComponent",
    "Grader",
    "GraderSpec",
    "Message",
    "Observation",
    "Policy",
    "ScriptedPolicy",
    "StepResult",
    "Submission",
    "SuiteInfo",
    "SyncEnvironment",
    "Task",
    "Tool",
    "get_grader",
    "make",
    "register",
    "__version__",
]


def __getattr__(name: str) -> Any:
    # The client and the Gymnasium adapter pull in httpx/gymnasium; import them only when asked for.
    if name in ("Client", "AsyncClient"):
        from envgym import client

        return getattr(client, name)
    if name == "make":
        from envgym.adapters.gym import make

        return make
    raise AttributeError(f"module 'envgym' has no attribute {name!r}")
