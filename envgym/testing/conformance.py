"""The conformance kit (docs/architecture.md §4): what every environment plugin must satisfy.

``check_environment("family")`` runs, for every task of every suite (or of the one suite / task
named), with bounded concurrency:

* ``schema`` — suites and tasks are well formed and survive a JSON round trip, task ids are
  unique, every tool is a valid OpenAI function schema (its ``parameters`` pass the JSON Schema
  metaschema, are an object schema, and the name matches ``^[a-zA-Z0-9_-]{1,64}$``), and the tool
  and each of its parameters have a description.
* ``round_trip`` — reset/step/close through the local ``Environment``: every model it emits
  (``ResetResult``, ``StepResult``, their observations, ``info`` and grade) and every action sent
  to it survives a JSON round trip; a step after the end raises ``SessionClosed``.
* ``status`` — every status reported is one of ``EpisodeStatus``; a finished step never says
  ``running``; rewards are finite and inside [0, 1].
* ``oracle`` — the family's reference solution (``OracleAgent``) scores 1 with status ``completed``.
* ``nop`` — the do-nothing agent (``NopAgent``) scores 0 without an error status.
* ``close`` — after ``close()`` every sandbox the episode created is closed and its files are
  gone; after the run no child process and no sandbox temp directory is left behind.

Example:
    >>> report = check_environment("debug/echo", limit=2)
    >>> report.ok, report.tasks_checked
    (True, 2)
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import re
import shutil
import tempfile
import threading
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable, Sequence

from pydantic import BaseModel

from envgym.agents.base import Agent
from envgym.agents.builtin import NopAgent, OracleAgent
from envgym.agents.loop import EpisodeRecord, run_episode
from envgym.host.tracking import TrackedContext, close_all
from envgym.kernel import bounded
from envgym.kernel.context import EnvContext
from envgym.kernel.environment import Environment
from envgym.kernel.families import EnvRef, load_family, resolve
from envgym.kernel.sync import blocking_form
from envgym.protocol import (
    Action,
    EpisodeStatus,
    Grade,
    Observation,
    ResetResult,
    SkippedTask,
    StepResult,
    SuiteInfo,
    Task,
    Tool,
)
from envgym.protocol.errors import SessionClosed
from envgym.protocol.ids import EnvId
from envgym.sandbox.base import Sandbox

CHECKS = ("schema", "round_trip", "status", "oracle", "nop", "close")
TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
VALID_STATUSES = {s.value for s in EpisodeStatus}
_TEMPDIR_LOCK = threading.Lock()


# --------------------------------------------------------------------------- the report


@dataclass
class CheckFailure:
    check: str
    env: str
    task_id: str | None
    reason: str

    def __str__(self) -> str:
        where = self.env + (f" task {self.task_id}" if self.task_id else "")
        return f"[{self.check}] {where}: {self.reason}"


@dataclass
class CheckReport:
    """What ``check_environment`` found. ``ok`` is True when nothing failed."""

    env_id: str
    suites: list[str] = field(default_factory=list)
    tasks_checked: int = 0
    passed: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    failures: list[CheckFailure] = field(default_factory=list)
    duration_s: float = 0.0
    skipped: list[SkippedTask] = field(default_factory=list)  # tasks that cannot run here, with the reason

    @property
    def ok(self) -> bool:
        return not self.failures and self.tasks_checked > 0

    def record(self, check: str, env: str, task_id: str | None, reasons: list[str]) -> None:
        """Count one subject of ``check``: passed if ``reasons`` is empty, else one failure per reason."""
        if reasons:
            self.failed[check] += 1
            self.failures.extend(CheckFailure(check, env, task_id, r) for r in reasons)
        else:
            self.passed[check] += 1

    def failures_of(self, check: str) -> list[CheckFailure]:
        return [f for f in self.failures if f.check == check]

    def rows(self) -> list[tuple[str, int, int]]:
        """(check, passed, failed) for every check, in a fixed order."""
        return [(c, self.passed[c], self.failed[c]) for c in CHECKS]

    def summary(self) -> str:
        lines = [
            f"{self.env_id}: {self.tasks_checked} tasks in {', '.join(self.suites) or 'no suites'} "
            f"— {'OK' if self.ok else 'FAILED'} ({self.duration_s:.1f}s)"
        ]
        lines += [f"  {c:<10} passed {p:>5}  failed {f:>5}" for c, p, f in self.rows()]
        if self.tasks_checked == 0:
            lines.append("  no tasks were checked")
        lines += [f"  skipped {s.id}: {s.reason}" for s in self.skipped]
        lines += [f"  {f}" for f in self.failures]
        return "\n".join(lines)


# --------------------------------------------------------------------------- resource tracking


def _sandbox_leftovers(box: Sandbox) -> list[str]:
    problems = []
    if not box.closed:
        problems.append(f"sandbox {type(box).__name__} is still open after close()")
    for attr in ("root", "workspace", "workdir_host", "host_dir"):
        path = getattr(box, attr, None)
        if isinstance(path, (str, Path)) and Path(path).exists():
            problems.append(f"sandbox {type(box).__name__} left its directory {path} behind")
    return problems


def _child_processes() -> dict[int, str]:
    """Live (non-zombie) direct children of this process, pid -> command name."""
    me, found = os.getpid(), {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:
            continue
        name_end = stat.rfind(")")
        fields = stat[name_end + 2 :].split()
        if len(fields) >= 2 and int(fields[1]) == me and fields[0] != "Z":
            found[int(entry.name)] = stat[stat.find("(") + 1 : name_end]
    return found


# --------------------------------------------------------------------------- static checks


def _round_trip(model: BaseModel, what: str) -> list[str]:
    try:
        again = type(model).model_validate_json(model.model_dump_json())
    except Exception as exc:  # noqa: BLE001 — any failure to serialise is the finding
        return [f"{what} does not survive a JSON round trip: {type(exc).__name__}: {exc}"]
    if again != model:
        return [f"{what} changes in a JSON round trip"]
    return []


def _jsonschema() -> Any:
    try:
        import jsonschema
    except ImportError:
        raise ImportError(
            "the conformance kit validates tool schemas with jsonschema: pip install 'envgym[check]'"
        ) from None
    return jsonschema


def check_tool(tool: Tool | dict[str, Any]) -> list[str]:
    """Problems with one OpenAI function-calling tool schema (empty when it is valid)."""
    try:
        tool = Tool.model_validate(tool)
    except Exception as exc:  # noqa: BLE001
        return [f"not a tool schema: {exc}"]
    jsonschema = _jsonschema()
    name, params = tool.function.name, tool.function.parameters
    problems = []
    if not TOOL_NAME.match(name):
        problems.append(f"tool name {name!r} must match {TOOL_NAME.pattern}")
    validator = jsonschema.validators.validator_for(params, default=jsonschema.Draft202012Validator)
    try:
        validator.check_schema(params)
    except jsonschema.SchemaError as exc:
        problems.append(f"tool {name!r}: parameters are not a valid JSON schema: {exc.message}")
    if params.get("type") != "object":
        problems.append(f"tool {name!r}: parameters must be an object schema (type: object)")
    # Models choose arguments from these words, and TRL's environment_factory refuses tools without them.
    if not tool.function.description.strip():
        problems.append(f"tool {name!r} has no description")
    properties = params.get("properties")
    for prop, spec in (properties if isinstance(properties, dict) else {}).items():
        if not isinstance(spec, dict) or not str(spec.get("description") or "").strip():
            problems.append(f"tool {name!r}: parameter {prop!r} has no description")
    problems += _round_trip(tool, f"tool {name!r}")
    try:
        json.dumps(tool.model_dump())
    except (TypeError, ValueError) as exc:
        problems.append(f"tool {name!r} is not JSON: {exc}")
    return problems


def _check_suite(cls: type[Environment], suite: SuiteInfo, tasks: list[Task]) -> list[str]:
    problems = _round_trip(suite, f"suite {suite.name!r} info")
    if not tasks:
        problems.append(f"suite {suite.name!r} has no tasks")
    try:
        ids = [t.id for t in cls.load_tasks(suite.name)]
    except Exception as exc:  # noqa: BLE001
        return problems + [f"load_tasks({suite.name!r}) failed: {type(exc).__name__}: {exc}"]
    dups = sorted(i for i, n in Counter(ids).items() if n > 1)
    if dups:
        problems.append(f"duplicate task ids in suite {suite.name!r}: {', '.join(dups[:10])}")
    for tool in cls.tools(suite.name):
        problems += check_tool(tool)
    return problems


def _check_task(task: Task, suite: str) -> list[str]:
    problems = _round_trip(task, "task") + _round_trip(task.public(), "public task")
    if task.suite != suite:
        problems.append(f"task says suite {task.suite!r} but was loaded from suite {suite!r}")
    return problems


# --------------------------------------------------------------------------- episodes


class _CheckedEpisode:
    """An ``Episode`` (envgym.kernel.episode) around a local ``Environment`` that checks every model crossing it."""

    def __init__(self, env: Any) -> None:
        self.env = env
        self.round_trip: list[str] = []
        self.status: list[str] = []

    def _observation(self, obs: Observation, where: str) -> None:
        self.round_trip += _round_trip(obs, f"{where} observation")
        for tool in obs.tools or []:
            self.round_trip += [f"{where}: {p}" for p in check_tool(tool)]

    def _info(self, info: dict[str, Any], where: str) -> None:
        try:
            again = json.loads(json.dumps(info))
        except (TypeError, ValueError) as exc:
            self.round_trip.append(f"{where} info is not JSON-serialisable: {exc}")
            return
        if again != info:
            self.round_trip.append(f"{where} info changes in a JSON round trip (tuples, non-string keys?)")

    def _result(self, result: Any, kind: type[ResetResult | StepResult], where: str) -> bool:
        """Check a reset or step result; False when it is not of ``kind`` (the caller passes it on as
        it is: the report names the wrong type)."""
        if not isinstance(result, kind):
            self.round_trip.append(f"{where} returned {type(result).__name__}, not {kind.__name__}")
            return False
        self.round_trip += _round_trip(result, f"{where} result")
        self._observation(result.observation, where)
        self._info(result.info, where)
        return True

    async def reset(self, task: Task, seed: int | None = None) -> ResetResult:
        result: ResetResult = await self.env.reset(task, seed)
        self._result(result, ResetResult, "reset")
        return result

    async def step(self, action: Action) -> StepResult:
        self.round_trip += _round_trip(action, "action")
        result: StepResult = await self.env.step(action)
        if not self._result(result, StepResult, "step"):
            return result
        status, mirror = result.status, result.info.get("status")
        if mirror != status.value:
            self.status.append(f"info['status'] is {mirror!r}, not a mirror of the step's status {status.value!r}")
        elif result.done and status is EpisodeStatus.running:
            self.status.append("a finished step (terminated/truncated) reported status 'running'")
        elif not result.done and status is not EpisodeStatus.running:
            self.status.append(f"an unfinished step reported the final status {status.value!r}")
        if not math.isfinite(result.reward) or not 0.0 <= result.reward <= 1.0:
            self.status.append(f"reward {result.reward!r} is not a finite number in [0, 1]")
        raw_grade = result.info.get("grade")
        if result.done and raw_grade is not None:
            try:
                if Grade.model_validate(raw_grade) != result.grade:
                    self.status.append("info['grade'] is not a mirror of the step's grade")
            except Exception as exc:  # noqa: BLE001
                self.status.append(f"info['grade'] is not a Grade: {exc}")
        if (result.error is None) != (result.info.get("error") is None):
            self.status.append("info['error'] and the step's error disagree (one is missing)")
        if result.done:
            try:
                await self.env.step(Action(content=""))
            except SessionClosed:
                pass
            except Exception as exc:  # noqa: BLE001
                self.round_trip.append(f"a step after the end raised {type(exc).__name__}, not SessionClosed")
            else:
                self.round_trip.append("a step after the end was accepted (it must raise SessionClosed)")
        return result

    async def close(self) -> None:
        await self.env.close()
        await self.env.close()  # close is idempotent; a second call must not fail


@dataclass
class _Job:
    ref: EnvRef
    task: Task
    agent: Agent
    check: str  # "oracle" or "nop"


def _expectation(check: str, record: EpisodeRecord) -> list[str]:
    grade = f" (grade details: {record.grade.details})" if record.grade and record.grade.details else ""
    error = f": {record.error.get('message')}" if record.error else ""
    if check == "oracle":
        if record.status is not EpisodeStatus.completed:
            return [f"the reference solution ended with status {record.status.value}{error}"]
        if not math.isclose(record.reward, 1.0, abs_tol=1e-9):
            return [f"the reference solution scored {record.reward:g}, not 1{grade}"]
        return []
    if record.status.is_error:
        return [f"the do-nothing agent ended with status {record.status.value}{error}; it must be graded 0, not fail"]
    if record.reward != 0.0:
        return [f"the do-nothing agent scored {record.reward:g}, not 0{grade}"]
    return []


async def _run_job(job: _Job, context: TrackedContext, report: CheckReport) -> None:
    env_name = job.ref.suite_id
    handle: _CheckedEpisode | None = None
    with context.watching() as boxes:  # the sandboxes of this episode alone
        try:
            handle = _CheckedEpisode(job.ref.cls(job.ref.suite, context=context))
            record = await run_episode(handle, job.agent, job.task, job.ref.cls, seed=0, env_id=env_name)
            outcome = _expectation(job.check, record)
            if record.status.value not in VALID_STATUSES or record.status is EpisodeStatus.running:
                handle.status.append(f"the episode ended with status {record.status.value!r}")
        except Exception as exc:  # noqa: BLE001 — an exception escaping the loop is itself the finding
            outcome = [f"the episode raised {type(exc).__name__}: {exc}\n{traceback.format_exc()}"]
    leftovers = [p for box in boxes for p in _sandbox_leftovers(box)]
    await close_all(boxes)  # so one bad task does not starve the rest
    report.record(job.check, env_name, job.task.id, outcome)
    if handle is not None:
        report.record("round_trip", env_name, job.task.id, handle.round_trip)
        report.record("status", env_name, job.task.id, handle.status)
    report.record("close", env_name, job.task.id, leftovers)


def suite_targets(env_id: str, context: EnvContext) -> list[tuple[EnvRef, str, list[Task], list[SkippedTask]]]:
    """(ref, "family/suite", the tasks to run, the tasks that cannot run here) for every suite
    ``env_id`` names. Tasks the family says cannot run here (malformed, or not on this host or
    provider) are listed with the reason, not run; the rest of the suite is."""
    parsed = EnvId.parse(env_id)
    if parsed.suite is None:  # a bare family: every suite, as `envgym eval FAMILY` does
        cls = load_family(parsed.family)
        refs = [EnvRef(parsed.family, s.name, cls) for s in cls.suites()]
    else:
        refs = [resolve(env_id)]
    targets = []
    for ref in refs:
        skipped = [s for s in ref.cls.skipped_tasks(ref.suite, context) if ref.task_id is None or s.id == ref.task_id]
        skipped_ids = {s.id for s in skipped}
        tasks = [t for t in ref.tasks() if t.id not in skipped_ids]
        targets.append((ref, ref.suite_id, tasks, skipped))
    return targets


def tracked_context(context: EnvContext | None, sandbox: str | None) -> TrackedContext:
    """``context`` (default: an empty one) as a ``TrackedContext`` on ``sandbox`` when one is given."""
    base = context or EnvContext()
    return TrackedContext(
        sandbox=sandbox or base.sandbox, sandbox_options=dict(base.sandbox_options), settings=dict(base.settings)
    )


async def check_environment_async(
    env_id: str,
    *,
    sandbox: str | None = None,
    limit: int | None = None,
    context: EnvContext | None = None,
    concurrency: int = 4,
    progress: bool = False,
) -> CheckReport:
    """The async form of ``check_environment``."""
    started = time.monotonic()
    report = CheckReport(env_id=env_id)
    ctx = tracked_context(context, sandbox)
    jobs: list[_Job] = []
    for ref, env_name, tasks, skipped in suite_targets(env_id, ctx):
        report.suites.append(env_name)
        info = next(s for s in ref.cls.suites() if s.name == ref.suite)
        report.record("schema", env_name, None, _check_suite(ref.cls, info, ref.cls.tasks(ref.suite)))
        report.skipped += skipped
        chosen = tasks[:limit] if limit is not None else tasks
        for task in chosen:
            report.record("schema", env_name, task.id, _check_task(task, ref.suite))
            jobs.append(_Job(ref, task, OracleAgent(), "oracle"))
            jobs.append(_Job(ref, task, NopAgent(), "nop"))
        report.tasks_checked += len(chosen)

    children_before = _child_processes()
    # Sandboxes that use the default temp dir land in a directory of this check alone, so anything
    # left in it afterwards was left by the environment under test. tempfile.tempdir is process-wide:
    # when another check in this process already redirected it, this run skips the directory check.
    owns_tempdir = _TEMPDIR_LOCK.acquire(blocking=False)
    private_tmp = Path(tempfile.mkdtemp(prefix="envgym-check-")) if owns_tempdir else None
    saved_tempdir = tempfile.tempdir
    if private_tmp is not None:
        tempfile.tempdir = str(private_tmp)
    try:
        await run_all(
            jobs,
            lambda job: _run_job(job, ctx, report),
            concurrency=concurrency,
            progress=progress,
            description=f"checking {env_id}",
        )
        await ctx.aclose()
    finally:
        if owns_tempdir:
            tempfile.tempdir = saved_tempdir
            _TEMPDIR_LOCK.release()
    leftovers: list[str] = []
    if private_tmp is not None:
        leftovers = await _settled(lambda: sorted(p.name for p in private_tmp.iterdir()))
        shutil.rmtree(private_tmp, ignore_errors=True)
    new_children = await _settled(
        lambda: sorted(
            f"{pid} ({name})"
            for pid, name in _child_processes().items()
            if pid not in children_before and pid not in bounded.worker_pids()
        )
    )
    problems = [f"temporary files left behind after close: {', '.join(leftovers[:10])}"] if leftovers else []
    problems += [f"child processes still running after close: {', '.join(new_children[:10])}"] if new_children else []
    report.record("close", env_id, None, problems)
    report.duration_s = time.monotonic() - started
    return report


async def _settled(probe: Callable[[], list[str]], wait_s: float = 3.0) -> list[str]:
    """``probe()`` once it is empty, or its last value after ``wait_s`` (killed processes and
    deleted files may take a moment to disappear)."""
    deadline = time.monotonic() + wait_s
    while True:
        found = probe()
        if not found or time.monotonic() >= deadline:
            return found
        await asyncio.sleep(0.1)


async def run_all(
    items: Sequence[Any],
    run_one: Callable[[Any], Awaitable[None]],
    *,
    concurrency: int,
    progress: bool,
    description: str,
) -> None:
    """``run_one`` on every item, at most ``concurrency`` at once, with a progress bar on stderr."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    limiter = asyncio.Semaphore(max(1, concurrency))
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True, disable=not progress) as bar:
        bar_task = bar.add_task(description, total=len(items))

        async def one(item: Any) -> None:
            async with limiter:
                await run_one(item)
            bar.advance(bar_task)

        await asyncio.gather(*(one(i) for i in items))


@blocking_form(check_environment_async, "envgym-check")
def check_environment() -> None:
    """Run the conformance kit on ``env_id`` (a family: every suite; ``family/suite``; or
    ``family/suite.task``). ``limit`` caps the tasks per suite; ``sandbox`` picks the provider.
    Works from synchronous code and from inside a running event loop (it uses its own loop thread).

    Example (in a plugin's own tests):
        >>> report = check_environment("debug")
        >>> assert report.ok, report.summary()
    """
