"""The environment base class. Environment families are plugins in ``envgym.environments``.

An ``Environment`` subclass is one *family* (``coding``, ``terminal``, ...). It lists its suites and
tasks as class methods (tasks are data) and is instantiated once per episode. Subclasses implement
``on_reset``/``on_step``/``on_close``; the public ``reset``/``step``/``close`` keep the invariants
every host relies on: step counting, the turn limit (→ ``truncated``), one final status per episode,
a step after the end raises ``SessionClosed``, an unexpected exception ends the episode as
``env_error`` instead of escaping, and ``close`` always runs ``on_close`` exactly once.

Example:
    >>> class Echo(Environment):
    ...     summary = "says back what it hears"
    ...     @classmethod
    ...     def suites(cls): return [SuiteInfo(name="main")]
    ...     @classmethod
    ...     def load_tasks(cls, suite): return [Task(id="t1", suite=suite, prompt="say hi", private={"answer": "hi"})]
    ...     async def on_reset(self, task, seed): return Observation.user(task.prompt)
    ...     async def on_step(self, action):
    ...         return self.finish(Grade.binary(action.text() == self.task.private["answer"]))
    >>> env = Echo("main").sync()
    >>> obs, info = env.reset(Echo.get_task("main", "t1"))
    >>> env.step("hi").reward
    1.0
    >>> env.close()
"""

from __future__ import annotations

import abc
import contextlib
import inspect
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, ClassVar, Sequence

from envgym.kernel.context import EnvContext, default_context
from envgym.kernel.grader import checked_reward, get_grader
from envgym.kernel.settings import Settings
from envgym.kernel.sync import Blocking
from envgym.kernel.tool_parsers import get_parser, parse_action
from envgym.protocol import (
    Action,
    EpisodeStatus,
    ErrorInfo,
    Grade,
    Message,
    Observation,
    ResetResult,
    SkippedTask,
    StepResult,
    Submission,
    SuiteInfo,
    Task,
    Tool,
    fill_outcome_from_info,
)
from envgym.protocol.errors import EnvgymError, GraderError, InvalidRequest, SessionClosed, UnknownTask

FEEDBACK_CHARS = 2000


def grade_feedback(grade: Grade) -> str:
    """The message that ends a graded episode: the reward, whether it passed, and the grader's own
    words when it gave some (``details`` as text, or its ``feedback``/``message``), cut to a bound.

    Example:
        >>> grade_feedback(Grade.binary(True))
        'The episode is over and was graded: reward 1, passed.'
    """
    if grade.status == "grader_error":
        return f"The episode is over; grading failed: {(grade.error or 'no reason given')[:FEEDBACK_CHARS]}"
    text = (
        f"The episode is over and was graded: reward {grade.reward:.4g}, {'passed' if grade.passed else 'not passed'}."
    )
    words = grade.details if isinstance(grade.details, str) else None
    if isinstance(grade.details, dict):
        words = next((grade.details[k] for k in ("feedback", "message") if isinstance(grade.details.get(k), str)), None)
    if words:
        text += f" Feedback: {words[:FEEDBACK_CHARS]}"
    elif grade.components and len(grade.components) > 1:
        text += " Components: " + ", ".join(f"{c.name} {c.reward:.3g}" for c in grade.components[:20]) + "."
    return text


@dataclass
class DemoSetup:
    """What ``envgym demo`` needs to run a family: server settings (each becomes ``--set KEY=VALUE``)
    and a note shown to the user (e.g. that a stand-in service grades the episodes)."""

    settings: dict[str, Any] = field(default_factory=dict)
    note: str | None = None


class Policy(abc.ABC):
    """Something that picks the next action from the latest observation (used by the oracle agent)."""

    @abc.abstractmethod
    async def act(self, observation: Observation) -> Action: ...


async def call_act(actor: Any, observation: Observation) -> Action:
    """``actor.act(observation)`` for a policy or agent episode whose ``act`` is async or a plain
    method (its result awaited only when it is awaitable); a ``str`` result is a text action.

    Example:
        >>> class Sync:
        ...     def act(self, observation): return "hi"
        >>> import asyncio; asyncio.run(call_act(Sync(), Observation())).content
        'hi'
    """
    act = getattr(actor, "act", None)
    if not callable(act):
        raise TypeError(f"{type(actor).__qualname__} has no act(observation) method")
    result = act(observation)
    if inspect.isawaitable(result):
        result = await result
    if isinstance(result, str):
        return Action(content=result)
    if not isinstance(result, Action):
        raise TypeError(
            f"{type(actor).__qualname__}.act returned {type(result).__name__}; it must return an "
            "envgym.protocol.Action (or a str for a text action)"
        )
    return result


class ScriptedPolicy(Policy):
    """Plays a fixed list of actions, then keeps sending the last one's fallback (``done``-like) action."""

    def __init__(self, actions: Sequence[Action | str], fallback: Action | None = None) -> None:
        self._actions = [Action.model_validate(a) for a in actions]
        self._fallback = fallback or Action(content="")

    async def act(self, observation: Observation) -> Action:
        return self._actions.pop(0) if self._actions else self._fallback


class Environment(abc.ABC):
    family: ClassVar[str] = ""  # set from the entry-point name when resolved through the registry
    version: ClassVar[str] = "0.1.0"
    summary: ClassVar[str] = ""
    text_actions: ClassVar[str] = "plain text is the agent's answer"
    default_max_turns: ClassVar[int] = 1
    # Its `--set family.key` settings (envgym/kernel/settings.py).
    settings_model: ClassVar[type[Settings] | None] = None
    _loaded_suites: ClassVar[dict[str, dict[str, Task]]]  # suite -> tasks by id; each class its own (_loaded)

    # ------------------------------------------------------------------ class-level data
    @classmethod
    @abc.abstractmethod
    def suites(cls) -> list[SuiteInfo]:
        """The suites this family offers; the first one is the default."""

    @classmethod
    @abc.abstractmethod
    def load_tasks(cls, suite: str) -> Sequence[Task]:
        """Every task of a suite (called once per suite; results are cached)."""

    @classmethod
    def tools(cls, suite: str | None = None) -> list[Tool]:
        """The tools the agent may call (OpenAI function schemas); none for single-turn text families."""
        return []

    @classmethod
    def default_suite(cls) -> str:
        return cls.suites()[0].name

    @classmethod
    def _loaded(cls) -> dict[str, dict[str, Task]]:
        if "_loaded_suites" not in cls.__dict__:  # not a parent's: a subclass lists tasks of its own
            cls._loaded_suites = {}
        return cls._loaded_suites

    @classmethod
    def tasks_loaded(cls, suite: str) -> bool:
        """Whether ``tasks(suite)`` would answer from memory (else it loads the suite)."""
        return suite in cls._loaded()

    @classmethod
    def forget_tasks(cls, suite: str) -> None:
        """Load ``suite`` again at its next use, in this family and its subclasses (e.g. a tasks
        directory was added to it)."""
        cls._loaded().pop(suite, None)
        for subclass in cls.__subclasses__():
            subclass.forget_tasks(suite)

    @classmethod
    def tasks(cls, suite: str | None = None, split: str | None = None) -> list[Task]:
        suite = suite or cls.default_suite()
        loaded = cls._loaded()
        if suite not in loaded:
            known = {s.name for s in cls.suites()}
            if suite not in known:
                raise UnknownTask(
                    f"{cls.family or cls.__name__} has no suite {suite!r}; suites: {', '.join(sorted(known))}",
                    details={"suite": suite, "suites": sorted(known)},
                )
            loaded[suite] = {t.id: t for t in cls.load_tasks(suite)}
        tasks = list(loaded[suite].values())
        if split is not None:
            tasks = [t for t in tasks if t.metadata.get("split", "test") == split]
        return tasks

    @classmethod
    def get_task(cls, suite: str | None, task_id: str) -> Task:
        suite = suite or cls.default_suite()
        cls.tasks(suite)
        task = cls._loaded()[suite].get(task_id)
        if task is None:
            raise UnknownTask(
                f"no task {task_id!r} in {cls.family or cls.__name__}/{suite}",
                details={"suite": suite, "task_id": task_id},
            )
        return task

    @classmethod
    def use_settings(cls, settings: Settings) -> None:
        """Called by every host as it starts (each ``EnvContext``) with this family's settings (its
        ``settings_model``, when any of its keys is given): for what the family lists before any
        episode, e.g. a tasks directory that adds a suite. Default: nothing."""

    @classmethod
    def skipped_tasks(cls, suite: str | None = None, context: EnvContext | None = None) -> list[SkippedTask]:
        """Tasks of ``suite`` that will not run under ``context`` (its sandbox provider and settings),
        each with the reason: tasks whose files did not load (they are not in ``tasks()``) and tasks
        this host cannot run (they are). Hosts run the others and list these. Default: none."""
        return []

    @classmethod
    def demo_suites(cls) -> list[tuple[str, int]]:
        """The ``(suite, tasks)`` pairs ``envgym demo`` runs for this family (an empty list leaves the
        family out of the demo). Default: the first suite, 2 tasks."""
        return [(cls.default_suite(), 2)]

    @classmethod
    def demo_setup(cls) -> contextlib.AbstractContextManager[DemoSetup]:
        """A context manager that ``envgym demo`` holds open around its server: start here what the
        demo's episodes need (e.g. a local stand-in service) and yield the server settings that
        point at it. Default: nothing to start."""
        return contextlib.nullcontext(DemoSetup())

    @classmethod
    def oracle_policy(cls, task: Task) -> Policy | None:
        """A policy that plays the task's reference solution, or None if the family has none."""
        return None

    @classmethod
    async def grade_submission(cls, task: Task, submission: Submission, context: EnvContext | None = None) -> Grade:
        """Grade a submission without an episode (``POST /v1/grade`` with ``env``)."""
        if task.grader is None:
            return Grade.grader_error(
                f"task {task.id!r} names no grader and {cls.__name__} does not grade submissions directly"
            )
        grader = get_grader(task.grader)
        grader.check_submission(submission)
        return await grader.safe_grade(task, submission, context=context or default_context())

    # ------------------------------------------------------------------ episode
    def __init__(
        self, suite: str | None = None, *, context: EnvContext | None = None, options: dict[str, Any] | None = None
    ) -> None:
        self.suite = suite or self.default_suite()
        self.context = context or default_context()
        self.options = dict(options or {})
        self.task: Task | None = None
        self.seed: int | None = None
        self.turns = 0
        self.status = EpisodeStatus.running
        self.final_grade: Grade | None = None
        self.started_at: float | None = None
        self._closed = False
        self._reset_done = False

    @property
    def max_turns(self) -> int:
        value = self.options.get("max_turns") or (self.task.metadata.get("max_turns") if self.task else None)
        return int(value or self.default_max_turns)

    @property
    def done(self) -> bool:
        return self.status.is_finished

    @abc.abstractmethod
    async def on_reset(self, task: Task, seed: int | None) -> Observation | ResetResult:
        """Set up the episode and return the first observation."""

    @abc.abstractmethod
    async def on_step(self, action: Action) -> StepResult:
        """Apply one action. Use ``finish()`` to end the episode with a grade."""

    async def on_close(self) -> None:
        """Release everything the episode holds (sandboxes, browser contexts)."""

    async def on_truncate(self) -> Grade | None:
        """Grade the episode when an outside limit ends it (turns, time). Default: not graded (reward 0,
        status ``truncated``). Families that grade the final state override this."""
        return None

    async def reset(self, task: Task | str, seed: int | None = None) -> ResetResult:
        """Start the episode on ``task`` (a ``str`` is the id of a task of this suite)."""
        if isinstance(task, str):
            task = self.get_task(self.suite, task)
        if self._closed:
            raise SessionClosed("this environment instance is closed; create a new one per episode")
        if self._reset_done:
            raise InvalidRequest("an Environment instance runs one episode; create a new one to reset again")
        self.task, self.seed, self.started_at = task, seed, time.monotonic()
        self._reset_done = True
        result = await self.on_reset(task, seed)
        if isinstance(result, Observation):
            result = ResetResult(observation=result)
        if result.observation.tools is None:
            result.observation.tools = self.tools(self.suite) or None
        result.info.setdefault("task_id", task.id)
        result.info.setdefault("max_turns", self.max_turns)
        return result

    async def step(self, action: Action | str | dict[str, Any]) -> StepResult:
        if self._closed:
            raise SessionClosed("the episode is closed")
        if not self._reset_done:
            raise InvalidRequest("call reset() before step()")
        if self.done:
            raise SessionClosed(f"the episode already ended ({self.status.value}); start a new one")
        action = action if isinstance(action, Action) else Action.model_validate(action)
        if action.tool_parser:
            # An unknown name is the caller's error (InvalidRequest), before the turn counts.
            get_parser(action.tool_parser)
        self.turns += 1
        try:
            action, parsed = parse_action(action)
            result = await self.on_step(action)
            if parsed:
                result.info.setdefault("tool_calls", [c.model_dump() for c in parsed])
        except EnvgymError as exc:
            if exc.code == "invalid_action":
                # A malformed action is answered with an error observation: the model sees what went wrong.
                error = exc.to_body().error
                result = StepResult(
                    observation=Observation.user(f"Error: {exc.message}"),
                    error=error,
                    info={"error": error.model_dump()},
                )
            else:
                return self._fail(EpisodeStatus.env_error, exc.message, exc.code)
        except Exception as exc:  # noqa: BLE001 — an environment bug ends the episode as env_error, never escapes
            return self._fail(
                EpisodeStatus.env_error, f"{type(exc).__name__}: {exc}", "env_error", traceback.format_exc()
            )
        if not result.done and self.turns >= self.max_turns:
            result = await self._truncate(result.observation)
        if result.info and "status" not in result.__pydantic_fields_set__:
            fill_outcome_from_info(result)  # a family that gave its outcome in info only, as before protocol 1.1
        if result.done and not self.done:
            # on_step ended the episode without finish(): record a status so nothing is left ambiguous.
            self.status = result.final_status
        return self._finalised(result)

    def _finalised(self, result: StepResult) -> StepResult:
        """The one place a step's outcome is settled: the typed ``status`` is the episode's, and
        ``info`` mirrors ``status``, ``grade`` and ``error`` (deprecated, protocol 1.1) and has the turn."""
        status = self.status
        if result.status is not status:
            result.status = status
        info = result.info
        info["status"] = status.value
        if result.grade is not None and "grade" not in info:
            info["grade"] = result.grade.model_dump()
        if result.error is not None and "error" not in info:
            info["error"] = result.error_dict()
        info["turn"] = self.turns
        return result

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if not self.done:
            self.status = EpisodeStatus.truncated if self._reset_done else self.status
        await self.on_close()

    # ------------------------------------------------------------------ helpers for subclasses
    def finish(
        self,
        grade: Grade,
        *,
        observation: Observation | None = None,
        truncated: bool = False,
        info: dict[str, Any] | None = None,
    ) -> StepResult:
        """End the episode with a grade. A ``grader_error`` grade gives status ``grader_error``, and so
        does a reward that is not a finite number in [0, 1]."""
        grade = checked_reward(grade, f"{type(self).__name__}'s grading")
        if grade.status == "grader_error":
            self.status = EpisodeStatus.grader_error
        else:
            self.status = EpisodeStatus.truncated if truncated else EpisodeStatus.completed
        self.final_grade = grade
        out_info = {**(info or {}), "grade": grade.model_dump(), "status": self.status.value}
        observation = observation.model_copy(deep=True) if observation is not None else Observation()
        observation.messages.append(Message(role="user", content=grade_feedback(grade)))
        return StepResult(
            observation=observation,
            reward=grade.reward if self.status is not EpisodeStatus.grader_error else 0.0,
            terminated=not truncated,
            truncated=truncated,
            status=self.status,
            grade=grade,
            info=out_info,
        )

    async def grade(self, submission: Submission) -> Grade:
        """Grade with the task's grader spec."""
        assert self.task is not None
        if self.task.grader is None:
            return Grade.grader_error(f"task {self.task.id!r} names no grader")
        try:
            grader = get_grader(self.task.grader)
        except GraderError as exc:  # e.g. a config key typo: the task author's error, never the agent's 0
            return Grade.grader_error(f"task {self.task.id!r}: {exc.message}", code=exc.code, **exc.details)
        return await grader.safe_grade(self.task, submission, context=self.context)

    async def _truncate(self, observation: Observation) -> StepResult:
        try:
            grade = await self.on_truncate()
        except Exception as exc:  # noqa: BLE001
            grade = Grade.grader_error(f"grading at truncation failed: {type(exc).__name__}: {exc}")
        if grade is None:
            self.status = EpisodeStatus.truncated
            info = {"status": self.status.value}
            result = StepResult(observation=observation, truncated=True, status=self.status, info=info)
        else:
            result = self.finish(grade, observation=observation, truncated=True)
        result.info["reason"] = f"turn limit of {self.max_turns} reached"
        return result

    def _fail(self, status: EpisodeStatus, message: str, code: str, tb: str | None = None) -> StepResult:
        self.status = status
        error = ErrorInfo(code=code, message=message, details={"traceback": tb} if tb else {})
        observation = Observation.user(f"The environment failed: {message}")
        result = StepResult(observation=observation, terminated=True, status=status, error=error)
        result.info.update(status=status.value, error=result.error_dict())
        return result

    def fail(self, status: EpisodeStatus, message: str, code: str | None = None) -> StepResult:
        """End the episode with an error status (e.g. ``env_error`` when the sandbox died)."""
        return self._fail(status, message, code or status.value)

    def sync(self) -> "SyncEnvironment":
        return SyncEnvironment(self)


class SyncEnvironment(Blocking):
    """A blocking facade over one ``Environment`` episode, on its own event-loop thread; its
    ``reset`` answers ``(observation, info)``."""

    def __init__(self, env: Environment) -> None:
        super().__init__(name=f"envgym-{type(env).__name__}")
        self.env = env

    def reset(self, task: Task, seed: int | None = None) -> tuple[Observation, dict[str, Any]]:
        result = self._run(self.env.reset(task, seed))
        return result.observation, result.info

    def step(self, action: Action | str | dict[str, Any]) -> StepResult:
        return self._run(self.env.step(action))

    async def _aclose(self) -> None:
        await self.env.close()
