"""The agent loop: play one episode of an agent against an environment, local or remote.

``run_episode`` works with anything that has ``reset(task, seed)``, ``step(action)`` and
``close()`` coroutines: a local ``Environment`` instance or a remote session handle from
``AsyncClient.episode(env_id)``. Whatever happens, the environment is closed and the record says
how the episode ended — an exception never loses an episode.

A remote trainer needs neither the plugin nor the task records: it passes the task id and no
family class, e.g. ``await run_episode(client.episode("toy-math/basic"), agent, "add")``; the
server resets the task by id (its private part stays there), the tools come from the first
observation and a stand-in class (``standin_family``) names the family. Only the ``oracle`` agent
needs the installed class (the reference solution is the family's).

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

import contextlib
import time
import traceback
from typing import Any, cast

from pydantic import BaseModel, Field

from envgym.agents.base import Agent
from envgym.kernel.environment import Environment, call_act
from envgym.kernel.episode import Episode
from envgym.protocol import (
    Action,
    EpisodeStatus,
    Grade,
    Message,
    Observation,
    StepResult,
    SuiteInfo,
    Task,
    Tool,
)
from envgym.protocol.errors import EnvgymError, InvalidRequest
from envgym.protocol.ids import EnvId


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


def standin_family(
    family: str,
    suites: list[SuiteInfo] | None = None,
    tools: list[Tool] | None = None,
    summary: str = "",
    tasks: list[Task] | None = None,
) -> type[Environment]:
    """An ``Environment`` class that only carries a remote family's name, suites, tools and public
    tasks, for code that takes a family class (agents, ``run_episode``, the eval runner) when the
    plugin is not installed here. Its episodes run on the server; it has no reference solution.

    Example:
        >>> cls = standin_family("toy-math", [SuiteInfo(name="basic")])
        >>> cls.family, cls.default_suite(), cls.oracle_policy(Task(id="t", suite="basic", prompt="?"))
        ('toy-math', 'basic', None)
    """
    listed = list(suites or [SuiteInfo(name=tasks[0].suite if tasks else "default")])
    offered = list(tools or [])
    known = list(tasks or [])

    class StandIn(Environment):
        @classmethod
        def suites(cls) -> list[SuiteInfo]:
            return listed

        @classmethod
        def load_tasks(cls, suite: str) -> list[Task]:
            return [t for t in known if t.suite == suite]

        @classmethod
        def tools(cls, suite: str | None = None) -> list[Tool]:
            return offered

        async def on_reset(self, task: Task, seed: int | None) -> Observation:  # pragma: no cover - never run here
            raise NotImplementedError(f"{family} runs on the server; this class only names it")

        async def on_step(self, action: Action) -> StepResult:  # pragma: no cover
            raise NotImplementedError(f"{family} runs on the server; this class only names it")

    StandIn.family, StandIn.summary = family, summary
    StandIn.__name__ = StandIn.__qualname__ = f"Remote[{family}]"
    return StandIn


def _error(exc: Exception, code: str, where: str | None = None) -> dict[str, Any]:
    """The record's error for an exception that escaped a reset, an agent or a step: an envgym error
    with its own code and message, anything else as ``code`` with its traceback."""
    if isinstance(exc, EnvgymError):
        error: dict[str, Any] = {"code": exc.code, "message": exc.message}
    else:
        error = {"code": code, "message": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}
    return error if where is None else {**error, "where": where}


async def run_episode(
    env: Episode,
    agent: Agent,
    task: Task | str,
    env_cls: type[Environment] | None = None,
    *,
    seed: int | None = None,
    env_id: str | None = None,
    max_steps: int = 10_000,
) -> EpisodeRecord:
    """Play one episode; always closes ``env``. ``max_steps`` is a safety net above the env's own turn limit.

    ``task`` is a ``Task`` or, for a handle that resets by id (``AsyncClient.episode``), a task id.
    ``env_cls`` is the family class when the plugin is installed here; without it a stand-in named
    after ``env_id`` (or the handle's ``env_id``) serves, and the agent's tools come from the
    first observation. A local ``Environment`` given a task id looks the task up in its suite."""
    started = time.monotonic()
    where = env_id or getattr(env, "env_id", None)
    if isinstance(env, Environment):
        env_cls = env_cls or type(env)
        where = where or f"{env_cls.family}/{env.suite}"
        if isinstance(task, str):
            task = env.get_task(env.suite, task)
    if env_cls is None or isinstance(task, str):
        if not isinstance(where, str):
            raise InvalidRequest(
                "run_episode needs the family: pass env_cls, env_id=, or a handle with an env_id "
                "(AsyncClient.episode gives one)"
            )
        parsed = EnvId.parse(where)
        if env_cls is None:
            env_cls = standin_family(parsed.family, [SuiteInfo(name=parsed.suite)] if parsed.suite else None)
    task_id = task if isinstance(task, str) else task.id
    if where is None:  # only when task is a Task (else the family was needed above)
        where = f"{env_cls.family}/{task.suite}" if isinstance(task, Task) else env_cls.family
    record = EpisodeRecord(
        env=where,
        task_id=task_id,
        agent=agent.name or type(agent).__name__,
        model=getattr(agent, "model", None),
        seed=seed,
        status=EpisodeStatus.running,
        metadata=dict(task.metadata) if isinstance(task, Task) else {},
        started_at=time.time(),
    )
    episode = None
    try:
        try:
            # A task id is sent as is: the handle resets by id and the server keeps the task's private part.
            reset = await (env.reset(task, seed) if isinstance(task, Task) else cast(Any, env).reset(task, seed))
        except Exception as exc:  # noqa: BLE001 — a broken reset (or transport) is an env_error, not a lost episode
            record.status, record.error = EpisodeStatus.env_error, _error(exc, "env_error", "reset")
            return record
        record.timings["reset_s"] = time.monotonic() - started
        observation: Observation = reset.observation
        record.messages.extend(observation.messages)
        if isinstance(task, str):
            # What the agent may know of a task it has only the id of: its id, suite and prompt.
            suite = EnvId.parse(record.env).suite or env_cls.default_suite()
            prompt = next((m.text() for m in observation.messages if m.role == "user"), "")
            task = Task(id=task_id, suite=suite, prompt=prompt)
        tools = observation.tools or env_cls.tools(task.suite)
        try:
            episode = agent.start_episode(task, env_cls, tools)
            episode.seed = seed
        except EnvgymError as exc:
            record.status, record.error = EpisodeStatus.agent_error, _error(exc, "agent_error", "start")
            return record
        for _ in range(max_steps):
            try:
                action = await call_act(episode, observation)
            except EnvgymError as exc:
                said = exc.details.get("status")  # the agent may say which error status its failure is
                known = said in {s.value for s in EpisodeStatus}
                record.status = EpisodeStatus(said) if known else EpisodeStatus.agent_error
                record.error = _error(exc, "agent_error", "agent")
                return record
            except Exception as exc:  # noqa: BLE001 — an agent crash is an agent_error, not a lost episode
                record.status, record.error = EpisodeStatus.agent_error, _error(exc, "agent_error")
                return record
            record.actions.append(action)
            record.messages.append(Message.model_validate(action.model_dump(exclude_none=True)))
            try:
                result = await env.step(action)
            except Exception as exc:  # noqa: BLE001 — e.g. the server connection dropped mid-episode
                timed_out = isinstance(exc, EnvgymError) and exc.code == "step_timeout"
                record.status = EpisodeStatus.timeout if timed_out else EpisodeStatus.env_error
                record.error = _error(exc, "env_error", "step")
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
                    message = record.grade.error or "grading failed"
                    record.error = {"code": "grader_error", "message": message, "where": "grade"}
                return record
        record.status = EpisodeStatus.truncated
        record.error = {"code": "max_steps", "message": f"runner safety limit of {max_steps} steps reached"}
        return record
    finally:
        record.timings["total_s"] = time.monotonic() - started
        if episode is not None:
            record.usage = dict(episode.usage)
            record.extra.update(episode.extra)
            with contextlib.suppress(Exception):
                await episode.aclose()
        with contextlib.suppress(Exception):  # closing must not turn a finished episode into an error
            await env.close()
