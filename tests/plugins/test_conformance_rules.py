"""The rules of the conformance kit (envgym/testing/conformance.py) one by one, without running a
family: what each check accepts and what it names as a failure. tests/plugins/test_conformance.py
runs the whole kit against small families; these state the edges (a reward of 1 within rounding,
a 0 with an error status, each mirror out of step, a leftover of each kind)."""

from __future__ import annotations

import asyncio
import math
import os
import signal
import subprocess
import types
from pathlib import Path
from typing import Any, Sequence

import pytest
from pydantic import BaseModel

from envgym.agents.builtin import NopAgent, OracleAgent
from envgym.agents.loop import EpisodeRecord
from envgym.host.tracking import TrackedContext
from envgym.kernel.environment import Environment, ScriptedPolicy
from envgym.kernel.families import EnvRef
from envgym.protocol import (
    Action,
    EpisodeStatus,
    ErrorInfo,
    Grade,
    Observation,
    ResetResult,
    StepResult,
    SuiteInfo,
    Task,
    Tool,
    ToolFunction,
)
from envgym.protocol.errors import SessionClosed
from envgym.sandbox.base import SandboxSpec
from envgym.testing import conformance
from envgym.testing.conformance import CHECKS, CheckReport, _CheckedEpisode, _expectation, check_tool


def record(status: EpisodeStatus, reward: float, **fields: Any) -> EpisodeRecord:
    return EpisodeRecord(env="f/s", task_id="t", agent="a", status=status, reward=reward, **fields)


# --------------------------------------------------------------------------- oracle 1, nop 0


@pytest.mark.parametrize("reward", [1.0, 1.0 - 1e-10, 1.0 + 1e-10])
def test_the_oracle_passes_with_a_reward_of_one_and_status_completed(reward: float) -> None:
    assert _expectation("oracle", record(EpisodeStatus.completed, reward)) == []


def test_the_oracle_fails_below_one_naming_the_score_and_the_grade() -> None:
    grade = Grade(reward=0.999, details={"matched": "almost"})
    [reason] = _expectation("oracle", record(EpisodeStatus.completed, 0.999, grade=grade))
    assert reason == "the reference solution scored 0.999, not 1 (grade details: {'matched': 'almost'})"
    [reason] = _expectation("oracle", record(EpisodeStatus.completed, 1.0 - 1e-8))
    assert reason.startswith("the reference solution scored")
    [reason] = _expectation("oracle", record(EpisodeStatus.completed, 0.0, grade=Grade()))
    assert reason == "the reference solution scored 0, not 1"  # no details: nothing appended


@pytest.mark.parametrize("status", [s for s in EpisodeStatus if s is not EpisodeStatus.completed])
def test_the_oracle_fails_with_any_status_but_completed_even_scoring_one(status: EpisodeStatus) -> None:
    [reason] = _expectation("oracle", record(status, 1.0, error={"message": "why"}))
    assert reason == f"the reference solution ended with status {status.value}: why"
    [reason] = _expectation("oracle", record(status, 1.0))
    assert reason == f"the reference solution ended with status {status.value}"


@pytest.mark.parametrize("status", [EpisodeStatus.completed, EpisodeStatus.truncated])
def test_the_do_nothing_agent_passes_with_zero_and_no_error_status(status: EpisodeStatus) -> None:
    assert _expectation("nop", record(status, 0.0)) == []


@pytest.mark.parametrize("status", sorted(s for s in EpisodeStatus if s.is_error))
def test_the_do_nothing_agent_fails_with_an_error_status_even_scoring_zero(status: EpisodeStatus) -> None:
    [reason] = _expectation("nop", record(status, 0.0, error={"message": "boom"}))
    assert reason == (f"the do-nothing agent ended with status {status.value}: boom; it must be graded 0, not fail")


@pytest.mark.parametrize("reward", [1.0, 0.5, 1e-9])
def test_the_do_nothing_agent_fails_with_any_reward_above_zero(reward: float) -> None:
    [reason] = _expectation("nop", record(EpisodeStatus.completed, reward, grade=Grade(reward=reward, details="x")))
    assert reason == f"the do-nothing agent scored {reward:g}, not 0 (grade details: x)"


# --------------------------------------------------------------------------- the report


def test_the_report_counts_passes_and_one_failure_per_reason() -> None:
    report = CheckReport(env_id="f")
    assert not report.ok  # nothing checked is not a pass
    report.record("oracle", "f/s", "t1", [])
    report.tasks_checked = 1
    assert report.ok and report.passed["oracle"] == 1 and report.failed["oracle"] == 0
    report.record("nop", "f/s", "t2", ["a", "b"])
    assert not report.ok
    assert report.failed["nop"] == 1 and report.passed["nop"] == 0
    assert [(f.check, f.env, f.task_id, f.reason) for f in report.failures_of("nop")] == [
        ("nop", "f/s", "t2", "a"),
        ("nop", "f/s", "t2", "b"),
    ]
    assert report.failures_of("oracle") == []
    assert report.rows() == [(c, int(c == "oracle"), int(c == "nop")) for c in CHECKS]
    assert str(report.failures[0]) == "[nop] f/s task t2: a"
    report.record("close", "f", None, ["x"])
    assert str(report.failures[-1]) == "[close] f: x"


# --------------------------------------------------------------------------- each step's checks


class Scripted:
    """An environment answering each step with the next of ``results``; then ``after_end`` is raised
    (or, when None, the step accepted)."""

    def __init__(self, *results: Any, after_end: BaseException | None = SessionClosed("closed")) -> None:
        self.results, self.after_end = list(results), after_end
        self.reset_result: Any = ResetResult(observation=Observation.user("hi"))
        self.steps: list[Action] = []
        self.closes = 0

    async def reset(self, task: Task, seed: int | None) -> Any:
        return self.reset_result

    async def step(self, action: Action) -> Any:
        self.steps.append(action)
        if self.results:
            return self.results.pop(0)
        if self.after_end is not None:
            raise self.after_end
        return StepResult(observation=Observation.user("again"))

    async def close(self) -> None:
        self.closes += 1


def step_result(status: EpisodeStatus = EpisodeStatus.completed, reward: float = 0.0, **kw: Any) -> StepResult:
    done = kw.pop("terminated", status is not EpisodeStatus.running)
    grade = kw.pop("grade", Grade(reward=reward) if done else None)
    info = {"status": status.value, **({"grade": grade.model_dump()} if grade else {}), **kw.pop("info", {})}
    return StepResult(
        observation=Observation.user("ok"),
        reward=reward,
        terminated=done,
        status=status,
        grade=grade,
        info=info,
        **kw,
    )


def checked(*results: Any, **kw: Any) -> tuple[_CheckedEpisode, Scripted]:
    env = Scripted(*results, **kw)
    return _CheckedEpisode(env), env


async def test_a_well_formed_episode_passes_and_a_step_after_the_end_is_tried() -> None:
    episode, env = checked(step_result(EpisodeStatus.running), step_result(EpisodeStatus.completed, 1.0))
    await episode.reset(Task(id="t", suite="s", prompt="p"), 0)
    first = await episode.step(Action(content="a"))
    assert first.status is EpisodeStatus.running and len(env.steps) == 1  # not finished: no extra step
    await episode.step(Action(content="b"))
    assert len(env.steps) == 3  # the step after the end
    assert episode.round_trip == [] and episode.status == []
    await episode.close()
    assert env.closes == 2  # close is called twice: it must be idempotent


async def test_a_step_after_the_end_must_raise_session_closed() -> None:
    accepted, _ = checked(step_result(), after_end=None)
    await accepted.step(Action(content=""))
    assert accepted.round_trip == ["a step after the end was accepted (it must raise SessionClosed)"]
    wrong, _ = checked(step_result(), after_end=RuntimeError("no"))
    await wrong.step(Action(content=""))
    assert wrong.round_trip == ["a step after the end raised RuntimeError, not SessionClosed"]


@pytest.mark.parametrize(
    "result, reason",
    [
        (
            step_result(info={"status": "completed"}, status=EpisodeStatus.truncated),
            "info['status'] is 'completed', not a mirror of the step's status 'truncated'",
        ),
        (
            step_result(EpisodeStatus.running, terminated=True),
            "a finished step (terminated/truncated) reported status 'running'",
        ),
        (
            StepResult(observation=Observation(), status=EpisodeStatus.completed, info={"status": "completed"}),
            "an unfinished step reported the final status 'completed'",
        ),
        (
            step_result(grade=Grade(reward=0.0), info={"grade": Grade(reward=1.0).model_dump()}),
            "info['grade'] is not a mirror of the step's grade",
        ),
        (step_result(info={"grade": {"reward": "lots"}}), "info['grade'] is not a Grade: "),
        (
            step_result(EpisodeStatus.env_error, error=ErrorInfo(code="env_error", message="x")),
            "info['error'] and the step's error disagree (one is missing)",
        ),
        (
            step_result(info={"error": {"code": "x", "message": "y"}}),
            "info['error'] and the step's error disagree (one is missing)",
        ),
    ],
)
async def test_each_broken_mirror_or_status_is_named(result: StepResult, reason: str) -> None:
    episode, _ = checked(result)
    await episode.step(Action(content=""))
    assert len(episode.status) == 1, episode.status
    if reason.endswith(": "):  # followed by pydantic's account of the error
        assert episode.status[0].startswith(reason), episode.status
    else:
        assert episode.status == [reason]


async def test_a_grade_mirror_is_only_compared_on_the_step_that_ends() -> None:
    running = step_result(EpisodeStatus.running, info={"grade": {"reward": "not even a grade"}})
    episode, _ = checked(running)
    await episode.step(Action(content=""))
    assert episode.status == []
    no_mirror = step_result(info={"grade": None})
    episode, _ = checked(no_mirror)
    await episode.step(Action(content=""))
    assert episode.status == []


@pytest.mark.parametrize("reward", [-0.01, 1.01, math.inf, -math.inf, math.nan])
async def test_a_reward_outside_zero_to_one_or_not_finite_is_named(reward: float) -> None:
    result = step_result().model_copy(update={"reward": reward})
    episode, _ = checked(result)
    await episode.step(Action(content=""))
    assert episode.status == [f"reward {reward!r} is not a finite number in [0, 1]"]


@pytest.mark.parametrize("reward", [0.0, 1.0])
async def test_rewards_at_the_bounds_pass(reward: float) -> None:
    episode, _ = checked(step_result(reward=reward))
    await episode.step(Action(content=""))
    assert episode.status == []


async def test_results_of_the_wrong_type_are_named_and_passed_on() -> None:
    episode, env = checked({"not": "a result"})
    env.reset_result = {"not": "a reset"}
    assert await episode.reset(Task(id="t", suite="s", prompt="p"), None) == {"not": "a reset"}
    assert await episode.step(Action(content="")) == {"not": "a result"}
    assert episode.round_trip == ["reset returned dict, not ResetResult", "step returned dict, not StepResult"]


async def test_info_that_is_not_json_or_changes_in_json_is_named() -> None:
    episode, env = checked(step_result(info={"pair": (1, 2)}))
    env.reset_result = ResetResult(observation=Observation.user("hi"), info={"fn": print})
    await episode.reset(Task(id="t", suite="s", prompt="p"), None)
    await episode.step(Action(content=""))
    assert [r for r in episode.round_trip if " info " in r] == [
        "reset info is not JSON-serialisable: Object of type builtin_function_or_method is not JSON serializable",
        "step info changes in a JSON round trip (tuples, non-string keys?)",
    ]


async def test_tools_offered_in_an_observation_are_checked() -> None:
    bad = Tool(function=ToolFunction(name="bad name", description="d", parameters={"type": "object"}))
    episode, env = checked(StepResult(observation=Observation(content="x", tools=[bad]), info={}))
    env.reset_result = ResetResult(observation=Observation(content="x", tools=[bad]))
    await episode.reset(Task(id="t", suite="s", prompt="p"), None)
    await episode.step(Action(content=""))
    assert [r.split(":")[0] for r in episode.round_trip] == ["reset", "step"]
    assert all("tool name 'bad name' must match" in r for r in episode.round_trip)


# --------------------------------------------------------------------------- schemas


class Changes(BaseModel):
    """A model whose JSON form does not read back as itself."""

    value: Any = None

    def model_dump_json(self, **kw: Any) -> str:
        return '{"value": "something else"}'


class Unserialisable(BaseModel):
    value: Any = None

    def model_dump_json(self, **kw: Any) -> str:
        raise TypeError("no JSON for you")


def test_round_trip_names_a_change_and_a_failure() -> None:
    assert conformance._round_trip(Changes(value=1), "thing") == ["thing changes in a JSON round trip"]
    assert conformance._round_trip(Unserialisable(), "thing") == [
        "thing does not survive a JSON round trip: TypeError: no JSON for you"
    ]
    assert conformance._round_trip(Changes(value="something else"), "thing") == []


def described(**props: Any) -> dict[str, Any]:
    return {"type": "object", "properties": props}


@pytest.mark.parametrize(
    "tool, problem",
    [
        ({"function": {"name": "a" * 65, "description": "d", "parameters": described()}}, "must match"),
        ({"function": {"name": "", "description": "d", "parameters": described()}}, "must match"),
        ({"function": {"name": "f", "description": "d", "parameters": {"type": "obj"}}}, "not a valid JSON schema"),
        ({"function": {"name": "f", "description": "d", "parameters": {"type": "array"}}}, "must be an object schema"),
        ({"function": {"name": "f", "description": "  ", "parameters": described()}}, "tool 'f' has no description"),
        (
            {
                "function": {
                    "name": "f",
                    "description": "d",
                    "parameters": described(x={"type": "string", "description": " "}),
                }
            },
            "tool 'f': parameter 'x' has no description",
        ),
        (
            {
                "function": {
                    "name": "f",
                    "description": "d",
                    "parameters": {"type": "object", "properties": {"x": True}},
                }
            },
            "tool 'f': parameter 'x' has no description",
        ),
    ],
)
def test_check_tool_names_each_problem(tool: dict[str, Any], problem: str) -> None:
    problems = check_tool(tool)
    assert any(problem in p for p in problems), problems


def test_check_tool_accepts_a_described_tool_with_any_valid_name() -> None:
    for name in ("a", "A-z_0" * 12 + "abcd", "run_tests"):
        assert (
            check_tool(
                {"function": {"name": name, "description": "d", "parameters": described(x={"description": "an x"})}}
            )
            == []
        )
    no_properties = {"function": {"name": "f", "description": "d", "parameters": {"type": "object", "properties": []}}}
    assert not any("has no description" in p for p in check_tool(no_properties))  # not a mapping: none to describe


class Family(Environment):
    summary = "rules"
    ids: Sequence[str] = ("a", "b")
    broken = False

    @classmethod
    def suites(cls) -> list[SuiteInfo]:
        return [SuiteInfo(name="main", size=len(cls.ids))]

    @classmethod
    def load_tasks(cls, suite: str) -> Sequence[Task]:
        if cls.broken:
            raise ValueError("cannot read the tasks")
        return [Task(id=i, suite=suite, prompt="p") for i in cls.ids]

    @classmethod
    def tools(cls, suite: str | None = None) -> list[Tool]:
        return [Tool(function=ToolFunction(name="no description", parameters=described()))]

    async def on_reset(self, task: Task, seed: int | None) -> Observation:
        return Observation.user("p")

    async def on_step(self, action: Action) -> StepResult:
        return self.finish(Grade.binary(False))


def test_suite_checks_name_no_tasks_duplicates_unloadable_tasks_and_bad_tools() -> None:
    suite = SuiteInfo(name="main", size=2)
    tasks = list(Family.load_tasks("main"))
    problems = conformance._check_suite(Family, suite, tasks)
    assert any("tool name 'no description' must match" in p for p in problems)
    assert any("tool 'no description' has no description" in p for p in problems)
    assert not any("duplicate" in p or "no tasks" in p for p in problems)

    class Duplicates(Family):
        ids = ("a", "b", "a", "c", "b", "b")

    assert "duplicate task ids in suite 'main': a, b" in conformance._check_suite(Duplicates, suite, tasks)
    assert "suite 'main' has no tasks" in conformance._check_suite(Family, suite, [])

    class Broken(Family):
        broken = True

    problems = conformance._check_suite(Broken, suite, [])
    assert problems == ["suite 'main' has no tasks", "load_tasks('main') failed: ValueError: cannot read the tasks"]


def test_a_task_must_say_the_suite_it_was_loaded_from() -> None:
    task = Task(id="a", suite="main", prompt="p")
    assert conformance._check_task(task, "main") == []
    assert conformance._check_task(task, "other") == ["task says suite 'main' but was loaded from suite 'other'"]


# --------------------------------------------------------------------------- leftovers


class Box:
    def __init__(self, closed: bool, **paths: Any) -> None:
        self.closed = closed
        for name, value in paths.items():
            setattr(self, name, value)


def test_a_sandbox_must_be_closed_and_its_directories_gone(tmp_path: Path) -> None:
    kept = {name: tmp_path / name for name in ("root", "workspace", "workdir_host", "host_dir")}
    for path in kept.values():
        path.mkdir()
    assert conformance._sandbox_leftovers(Box(True)) == []
    assert conformance._sandbox_leftovers(Box(True, root=tmp_path / "gone", workspace=None, host_dir=7)) == []
    assert conformance._sandbox_leftovers(Box(False)) == ["sandbox Box is still open after close()"]
    problems = conformance._sandbox_leftovers(Box(True, **{k: str(v) if k == "root" else v for k, v in kept.items()}))
    assert problems == [f"sandbox Box left its directory {path} behind" for path in kept.values()]


def test_child_processes_are_the_live_children_of_this_process() -> None:
    before = conformance._child_processes()
    assert os.getpid() not in before and os.getppid() not in before
    child = subprocess.Popen(["sleep", "60"])
    try:
        assert conformance._child_processes().get(child.pid) == "sleep"
        os.kill(child.pid, signal.SIGKILL)
        os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # until it has exited, left unreaped
        assert child.pid not in conformance._child_processes()  # a zombie runs nothing
    finally:
        child.kill()
        child.wait()
    assert child.pid not in conformance._child_processes()


async def test_settled_waits_for_the_probe_to_empty_and_gives_up_with_its_last_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [0.0]

    def monotonic() -> float:  # a fake clock: one second passes at each reading
        now[0] += 1.0
        return now[0]

    monkeypatch.setattr(conformance, "time", types.SimpleNamespace(monotonic=monotonic))
    answers = [["a", "b"], ["b"], []]
    assert await conformance._settled(lambda: answers.pop(0), wait_s=30.0) == []
    assert answers == []  # looked until it was empty, and no longer
    calls = []

    def never_empty() -> list[str]:
        calls.append(1)
        return [f"left {len(calls)}"]

    assert await conformance._settled(never_empty, wait_s=0.0) == ["left 1"]  # no time: one look
    calls.clear()
    assert await conformance._settled(never_empty) == ["left 3"]  # at 1, 2 and 3 s of its default 3 s


async def test_run_all_bounds_how_many_run_at_once() -> None:
    running, most = 0, 0

    async def one(item: int) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        running -= 1

    await conformance.run_all(list(range(10)), one, concurrency=3, progress=False, description="x")
    assert most == 3
    most = 0
    await conformance.run_all(list(range(4)), one, concurrency=0, progress=False, description="x")
    assert most == 1  # a concurrency under 1 still runs them, one at a time


# --------------------------------------------------------------------------- one episode's checks


class Echo(Environment):
    """Pays 1 for the task's answer; ``sandbox`` opens a sandbox at reset and ``leak`` leaves it open."""

    summary = "echo"
    leak = False

    @classmethod
    def suites(cls) -> list[SuiteInfo]:
        return [SuiteInfo(name="main", size=1)]

    @classmethod
    def load_tasks(cls, suite: str) -> Sequence[Task]:
        return [Task(id="t0", suite=suite, prompt="say 7", private={"answer": "7"})]

    @classmethod
    def oracle_policy(cls, task: Task) -> ScriptedPolicy:
        return ScriptedPolicy([task.private["answer"]])

    async def on_reset(self, task: Task, seed: int | None) -> Observation:
        self.box = await self.context.create_sandbox(SandboxSpec())
        return Observation.user(task.prompt)

    async def on_step(self, action: Action) -> StepResult:
        assert self.task is not None
        return self.finish(Grade.binary(action.text().strip() == self.task.private["answer"]))

    async def on_close(self) -> None:
        if not self.leak:
            await self.box.close()


class Leaks(Echo):
    leak = True


class CannotStart(Echo):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError("no such thing")


async def run_job(cls: type[Environment], agent: Any, check: str) -> tuple[CheckReport, list[Any]]:
    context = TrackedContext(sandbox="process")
    report = CheckReport(env_id="echo")
    [task] = cls.load_tasks("main")
    boxes: list[Any] = []
    real_watching = context.watching

    def watching() -> Any:  # the job's sandboxes, to look at them afterwards
        manager = real_watching()
        boxes_of_job = manager.__enter__()

        class Spy:
            def __enter__(self) -> list[Any]:
                return boxes_of_job

            def __exit__(self, *exc: Any) -> Any:
                boxes.extend(boxes_of_job)
                return manager.__exit__(*exc)

        return Spy()

    context.watching = watching  # type: ignore[method-assign]
    try:
        await conformance._run_job(conformance._Job(EnvRef("echo", "main", cls), task, agent, check), context, report)
    finally:
        await context.aclose()
    return report, boxes


async def test_a_job_records_its_check_and_the_episodes_checks() -> None:
    report, boxes = await run_job(Echo, OracleAgent(), "oracle")
    assert report.failures == [], report.summary()
    assert dict(report.passed) == {"oracle": 1, "round_trip": 1, "status": 1, "close": 1}
    assert len(boxes) == 1 and boxes[0].closed
    report, _ = await run_job(Echo, NopAgent(), "nop")
    assert report.failures == [] and dict(report.passed) == {"nop": 1, "round_trip": 1, "status": 1, "close": 1}


async def test_a_job_whose_expectation_fails_names_the_task() -> None:
    report, _ = await run_job(Echo, NopAgent(), "oracle")
    [failure] = report.failures
    assert (failure.check, failure.env, failure.task_id) == ("oracle", "echo/main", "t0")
    assert failure.reason == "the reference solution scored 0, not 1"


async def test_a_sandbox_left_open_fails_close_and_is_closed_by_the_kit() -> None:
    report, boxes = await run_job(Leaks, OracleAgent(), "oracle")
    reasons = [f.reason for f in report.failures_of("close")]
    assert reasons[0] == f"sandbox {type(boxes[0]).__name__} is still open after close()"
    assert f"sandbox {type(boxes[0]).__name__} left its directory {boxes[0].root} behind" in reasons[1:]
    assert report.passed["oracle"] == 1  # the leak does not hide the episode's result
    assert boxes[0].closed  # closed by the kit, so one bad task does not starve the rest


async def test_an_episode_that_cannot_start_is_the_checks_failure_not_a_crash() -> None:
    report, _ = await run_job(CannotStart, OracleAgent(), "oracle")
    [failure] = report.failures
    assert failure.check == "oracle" and failure.task_id == "t0"
    assert failure.reason.startswith("the episode raised RuntimeError: no such thing\nTraceback")
    assert dict(report.passed) == {"close": 1}  # no episode: nothing to say about its round trips or statuses


def test_a_tool_that_is_not_plain_json_is_named() -> None:
    tool = {"function": {"name": "f", "description": "d", "parameters": {"type": "object", "x-raw": b"\x00"}}}
    problems = check_tool(tool)
    assert "tool 'f' changes in a JSON round trip" in problems
    assert "tool 'f' is not JSON: Object of type bytes is not JSON serializable" in problems


# --------------------------------------------------------------------------- mutation survivors: what is named


async def test_each_model_crossing_the_episode_is_named_when_it_changes_in_json() -> None:
    pair = (1, 2)  # a tuple comes back from JSON as a list
    episode, env = checked(
        step_result(info={"status": "completed"}).model_copy(update={"observation": Observation(data={"p": pair})})
    )
    env.reset_result = ResetResult(observation=Observation(content="hi", data={"p": pair}))
    await episode.reset(Task(id="t", suite="s", prompt="p"), 3)
    await episode.step(Action(content="a", extra_field=pair))
    assert episode.round_trip == [
        "reset result changes in a JSON round trip",
        "reset observation changes in a JSON round trip",
        "action changes in a JSON round trip",
        "step result changes in a JSON round trip",
        "step observation changes in a JSON round trip",
    ]


async def test_the_episode_is_reset_with_the_seed_given_and_probed_with_an_empty_action() -> None:
    seeds = []

    class Recording(Scripted):
        async def reset(self, task: Task, seed: int | None) -> Any:
            seeds.append(seed)
            return self.reset_result

    env = Recording(step_result())
    episode = _CheckedEpisode(env)
    await episode.reset(Task(id="t", suite="s", prompt="p"), 3)
    await episode.step(Action(content="a"))
    assert seeds == [3]
    assert env.steps == [Action(content="a"), Action(content="")]  # the step after the end: a valid action


@pytest.mark.filterwarnings("ignore:Pydantic serializer warnings")  # the tuple where a list belongs, on purpose
def test_tasks_and_suites_that_change_in_json_are_named() -> None:
    pair = (1, 2)
    private = Task(id="a", suite="main", prompt="p", private={"p": pair})
    assert conformance._check_task(private, "main") == ["task changes in a JSON round trip"]
    public = Task(id="a", suite="main", prompt="p", metadata={"p": pair})
    assert conformance._check_task(public, "main") == [
        "task changes in a JSON round trip",
        "public task changes in a JSON round trip",  # what clients see: the task without its private part
    ]
    suite = SuiteInfo.model_construct(name="main", splits=("a",))
    assert conformance._check_suite(Echo, suite, list(Echo.load_tasks("main"))) == [
        "suite 'main' info changes in a JSON round trip"
    ]


def test_at_most_ten_duplicate_ids_are_listed_and_tools_are_those_of_the_suite() -> None:
    class ManyDuplicates(Family):
        ids = tuple(f"d{i:02}" for i in range(12)) * 2

    [dups] = [p for p in conformance._check_suite(ManyDuplicates, SuiteInfo(name="main"), [])[1:] if "duplicate" in p]
    assert dups == "duplicate task ids in suite 'main': " + ", ".join(f"d{i:02}" for i in range(10))

    class ToolsPerSuite(Echo):
        @classmethod
        def tools(cls, suite: str | None = None) -> list[Tool]:
            bad = Tool(function=ToolFunction(name="f", description="", parameters=described()))
            return [bad] if suite == "main" else []

    problems = conformance._check_suite(ToolsPerSuite, SuiteInfo(name="main"), list(Echo.load_tasks("main")))
    assert problems == ["tool 'f' has no description"]


def test_a_parameter_whose_description_is_null_has_none() -> None:
    tool = {"function": {"name": "f", "description": "d", "parameters": described(x={"description": None})}}
    assert "tool 'f': parameter 'x' has no description" in check_tool(tool)


def test_the_report_counts_every_subject() -> None:
    report = CheckReport(env_id="f")
    for _ in range(3):
        report.record("oracle", "f/s", "t", [])
        report.record("nop", "f/s", "t", ["bad"])
    assert (report.passed["oracle"], report.failed["nop"]) == (3, 3)


def test_child_processes_are_found_whatever_their_name_and_a_vanished_one_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    odd = tmp_path / "a (b) c"  # /proc/<pid>/stat puts the name in brackets: it may hold brackets itself
    odd.symlink_to("/bin/sleep")
    child = subprocess.Popen([str(odd), "60"])
    try:
        assert conformance._child_processes().get(child.pid) == "a (b) c"
        real_scandir = os.scandir

        def scandir(path: str) -> list[Any]:
            vanished = types.SimpleNamespace(name="999999999")  # listed, then gone before its stat is read
            return [vanished, *real_scandir(path)]

        monkeypatch.setattr(conformance, "os", types.SimpleNamespace(getpid=os.getpid, scandir=scandir))
        assert child.pid in conformance._child_processes()
    finally:
        child.kill()
        child.wait()


async def test_a_job_resets_with_seed_zero_in_its_own_suite() -> None:
    seen: list[tuple[str, int | None]] = []

    class TwoSuites(Echo):
        @classmethod
        def suites(cls) -> list[SuiteInfo]:
            return [SuiteInfo(name="main"), SuiteInfo(name="extra")]

        async def on_reset(self, task: Task, seed: int | None) -> Observation:
            seen.append((self.suite, seed))
            return await super().on_reset(task, seed)

    context = TrackedContext(sandbox="process")
    report = CheckReport(env_id="echo")
    [task] = TwoSuites.load_tasks("extra")
    try:
        job = conformance._Job(EnvRef("echo", "extra", TwoSuites), task, OracleAgent(), "oracle")
        await conformance._run_job(job, context, report)
    finally:
        await context.aclose()
    assert seen == [("extra", 0)]  # the same seed every run: a check that passes once passes again
    assert report.failures == [], report.summary()


class BreaksEverything(Leaks):
    """Its steps do not survive JSON (round_trip), misreport their status (status), and it leaks its sandbox (close)."""

    async def step(self, action: Action) -> StepResult:
        result = await super().step(action)
        return result.model_copy(update={"info": {**result.info, "status": "truncated", "pair": (1, 2)}})


async def test_every_failure_of_a_job_names_the_environment_and_the_task() -> None:
    report, _ = await run_job(BreaksEverything, OracleAgent(), "oracle")
    assert {f.check for f in report.failures} == {"round_trip", "status", "close"}, report.summary()
    assert {(f.env, f.task_id) for f in report.failures} == {("echo/main", "t0")}
    assert report.passed["oracle"] == 1


async def test_an_episode_the_loop_reports_unfinished_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    async def still_running(*args: Any, **kwargs: Any) -> EpisodeRecord:
        return record(EpisodeStatus.running, 0.0)

    monkeypatch.setattr(conformance, "run_episode", still_running)
    report, _ = await run_job(Echo, NopAgent(), "nop")
    assert [f.reason for f in report.failures_of("status")] == ["the episode ended with status 'running'"]


async def test_settled_looks_again_promptly(monkeypatch: pytest.MonkeyPatch) -> None:
    sleeps: list[float] = []
    real_sleep = asyncio.sleep

    async def sleep(delay: float) -> None:
        sleeps.append(delay)
        await real_sleep(0)

    monkeypatch.setattr(conformance, "asyncio", types.SimpleNamespace(sleep=sleep))
    answers = [["a"], ["a"], []]
    assert await conformance._settled(lambda: answers.pop(0), wait_s=60.0) == []
    assert len(sleeps) == 2 and all(0 < s <= 0.2 for s in sleeps)  # a process or file going away is seen soon
