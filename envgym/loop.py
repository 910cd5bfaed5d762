"""The agent loop: play one episode of an agent against an environment, local or remote.

``run_episode`` works with anything that has ``reset(task, seed)``, ``step(action)`` and
``close()`` coroutines: a local ``Environment`` instance or a remote session handle from
``AsyncClient.episode(env_id)``. Whatever happens, the environment is closed and the record says
how the episode ended — an exception never loses an episode.

Example:
    >>> import asyncio
    >>> from envgym.builtin.debug import DebugEnvironment
    >>> from envgym.agents.builtin import OracleAgent
    >>> task = DebugEnvironment.get_task("counter", "count-to-2")
    >>> rec = asyncio.run(run_episode(DebugEnvironment("counter"), OracleAgent(), task, DebugEnvironment))
    >>> rec.status.value, rec.reward
    ('completed', 1.0)
"""

from __future__ import annotations

import time
import traceback
from typing import Any, Protocol

from pydantic import BaseModel, Field

from envgym.agents.base import Agent
from envgym.environment import Environment, call_act
from envgym.errors import EnvgymError
from envgym.protocol import Action, EpisodeStatus, Grade, Message, Observation, ResetResult, StepResult, Task


class EpisodeHandle(Protocol):
    async def reset(self, task: Task, seed: int | None = None) -> ResetResult: ...
    async def step(self, action: Action) -> StepResult: ...
    async def close(self) -> None: ...


class EpisodeRecord(BaseModel):
    """One finished episode, as the eval runner writes it (one JSON line each)."""

    env: str
    task_id: str
    agent: str
    model: str | None = None
    sample: int = 0  # which of the k samples of this task (the eval runner's resume key is env, task_id, sample)
    seed: int | None = None
    status: EpisodeStatus
    reward: float = 0.0
    rewards: list[float] = Field(default_factory=list)
    turns: int = 0
    grade: Grade | None = None
    messages: list[Message] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)
    error: dict[str, Any] | None = None
    usage: dict[str, int] = Field(default_factory=dict)
    timings: dict[str, float] = Field(default_factory=dict)
    metadata: dict[str, Any] = Field(default_factory=dict)
    extra: dict[str, Any] = Field(default_factory=dict)
    versions: dict[str, str] = Field(default_factory=dict)  # envgym and plugin package versions
    started_at: float | None = None  # wall-clock (Unix) start time

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.env, self.task_id, self.sample)

    @property
    def passed(self) -> bool:
        return bool(self.grade is not None and self.grade.passed and not self.status.is_error)


async def run_episode(
    env: EpisodeHandle,
    agent: Agent,
    task: Task,
    env_cls: type[Environment],
    *,
    seed: int | None = None,
    env_id: str | None = None,
    max_steps: int = 10_000,
) -> EpisodeRecord:
    """Play one episode; always closes ``env``. ``max_steps`` is a safety net above the env's own turn limit."""
    started = time.monotonic()
    record = EpisodeRecord(
        env=env_id or f"{env_cls.family}/{task.suite}",
        task_id=task.id,
        agent=agent.name or type(agent).__name__,
        model=getattr(agent, "model", None),
        seed=seed,
        status=EpisodeStatus.running,
        metadata=dict(task.metadata),
        started_at=time.time(),
    )
    episode = None
    try:
        try:
            reset = await env.reset(task, seed)
        except EnvgymError as exc:
            record.status, record.error = (
                EpisodeStatus.env_error,
                {"code": exc.code, "message": exc.message, "where": "reset"},
            )
            return record
        except Exception as exc:  # noqa: BLE001 — a broken reset (or transport) is an env_error, not a lost episode
            record.status = EpisodeStatus.env_error
            record.error = {
                "code": "env_error",
                "message": f"{type(exc).__name__}: {exc}",
                "where": "reset",
                "traceback": traceback.format_exc(),
            }
            return record
        record.timings["reset_s"] = time.monotonic() - started
        observation: Observation = reset.observation
        record.messages.extend(observation.messages)
        tools = observation.tools or env_cls.tools(task.suite)
        try:
            episode = agent.start_episode(task, env_cls, tools)
            episode.seed = seed
        except EnvgymError as exc:
            record.status, record.error = (
                EpisodeStatus.agent_error,
                {"code": exc.code, "message": exc.message, "where": "start"},
            )
            return record
        for _ in range(max_steps):
            try:
                action = await call_act(episode, observation)
            except EnvgymError as exc:
                record.status = (
                    EpisodeStatus(exc.details.get("status", EpisodeStatus.agent_error.value))
                    if exc.details.get("status") in {s.value for s in EpisodeStatus}
                    else EpisodeStatus.agent_error
                )
                record.error = {"code": exc.code, "message": exc.message, "where": "agent"}
                return record
            except Exception as exc:  # noqa: BLE001 — an agent crash is an agent_error, not a lost episode
                record.status = EpisodeStatus.agent_error
                record.error = {
                    "code": "agent_error",
                    "message": f"{type(exc).__name__}: {exc}",
                    "traceback": traceback.format_exc(),
                }
                return record
            record.actions.append(action)
            record.messages.append(Message.model_validate(action.model_dump(exclude_none=True)))
            try:
                result = await env.step(action)
            except EnvgymError as exc:
                status = EpisodeStatus.timeout if exc.code == "step_timeout" else EpisodeStatus.env_error
                record.status, record.error = status, {"code": exc.code, "message": exc.message, "where": "step"}
                return record
            except Exception as exc:  # noqa: BLE001 — e.g. the server connection dropped mid-episode
                record.status = EpisodeStatus.env_error
                record.error = {
                    "code": "env_error",
                    "message": f"{type(exc).__name__}: {exc}",
                    "where": "step",
                    "traceback": traceback.format_exc(),
                }
                return record
            record.turns += 1
            record.rewards.append(result.reward)
            record.messages.extend(result.observation.messages)
            observation = result.observation
            if result.done:
                record.status = result.final_status
                record.grade = result.grade
                record.reward = result.reward if not record.status.is_error else 0.0
                if result.error is not None and record.status.is_error:
                    record.error = result.error_dict()
                elif record.status is EpisodeStatus.grader_error and record.grade is not None:
                    record.error = {
                        "code": "grader_error",
                        "message": record.grade.error or "grading failed",
                        "where": "grade",
                    }
                return record
        record.status = EpisodeStatus.truncated
        record.error = {"code": "max_steps", "message": f"runner safety limit of {max_steps} steps reached"}
        return record
    finally:
        record.timings["total_s"] = time.monotonic() - started
        if episode is not None:
            record.usage = dict(episode.usage)
            record.extra.update(episode.extra)
            try:
                await episode.aclose()
            except Exception:  # noqa: BLE001
                pass
        try:
            await env.close()
        except Exception:  # noqa: BLE001 — closing must not turn a finished episode into an error
            pass
