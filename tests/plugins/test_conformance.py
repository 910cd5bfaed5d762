"""The conformance kit (envgym.testing) and `envgym check`: good plugins pass, each kind of broken
plugin fails the check that names its problem."""

from __future__ import annotations

import asyncio
import os
import signal
import uuid
from typing import Sequence

import pytest
from typer.testing import CliRunner

from envgym.kernel import registry
from envgym.cli import app
from envgym.kernel.environment import Environment, ScriptedPolicy
from envgym.protocol import Action, Grade, Observation, StepResult, SuiteInfo, Task, Tool, ToolFunction
from envgym.sandbox.base import SandboxSpec
from envgym.testing import CHECKS, check_environment, check_tool


class Quiz(Environment):
    """A well-behaved single-turn family; subclasses break one rule each."""

    summary = "test quiz"

    @classmethod
    def suites(cls) -> list[SuiteInfo]:
        return [SuiteInfo(name="main", size=3), SuiteInfo(name="extra", size=1)]

    @classmethod
    def load_tasks(cls, suite: str) -> Sequence[Task]:
        n = 3 if suite == "main" else 1
        return [Task(id=f"q{i}", suite=suite, prompt=f"say {i}", private={"answer": str(i)}) for i in range(n)]

    @classmethod
    def oracle_policy(cls, task: Task) -> ScriptedPolicy:
        return ScriptedPolicy([task.private["answer"]])

    async def on_reset(self, task: Task, seed: int | None) -> Observation:
        return Observation.user(task.prompt)

    async def on_step(self, action: Action) -> StepResult:
        assert self.task is not None
        return self.finish(Grade.binary(action.text().strip() == self.task.private["answer"]))


class WrongOracle(Quiz):
    @classmethod
    def oracle_policy(cls, task: Task) -> ScriptedPolicy:
        return ScriptedPolicy(["not it"])


class NoOracle(Quiz):
    @classmethod
    def oracle_policy(cls, task: Task) -> None:
        return None


class GenerousToNop(Quiz):
    async def on_step(self, action: Action) -> StepResult:
        assert self.task is not None
        return self.finish(Grade.binary(action.text().strip() in ("", self.task.private["answer"])))


class BadTool(Quiz):
    @classmethod
    def tools(cls, suite: str | None = None) -> list[Tool]:
        return [
            Tool(
                function=ToolFunction(
                    name="bad name!", parameters={"type": "object", "properties": {"x": {"type": "strin"}}}
                )
            )
        ]


class TupleInfo(Quiz):
    async def on_step(self, action: Action) -> StepResult:
        assert self.task is not None
        return self.finish(Grade.binary(action.text().strip() == self.task.private["answer"]), info={"pair": (1, 2)})


class RewardTwo(Quiz):
    async def on_step(self, action: Action) -> StepResult:
        return self.finish(Grade(reward=2.0, passed=True))


class Crashes(Quiz):
    async def on_step(self, action: Action) -> StepResult:
        raise RuntimeError("boom in on_step")


class DuplicateIds(Quiz):
    @classmethod
    def load_tasks(cls, suite: str) -> Sequence[Task]:
        return [Task(id="same", suite=suite, prompt="say 0", private={"answer": "0"})] * 2


class LeaksSandbox(Quiz):
    async def on_reset(self, task: Task, seed: int | None) -> Observation:
        self.box = await self.context.create_sandbox(SandboxSpec())
        await self.box.write_file("note.txt", "left behind")
        return Observation.user(task.prompt)


class LeaksProcess(Quiz):
    started: list[int] = []

    async def on_reset(self, task: Task, seed: int | None) -> Observation:
        proc = await asyncio.create_subprocess_exec("sleep", "60")
        LeaksProcess.started.append(proc.pid)
        return Observation.user(task.prompt)


@pytest.fixture
def family():
    """Register environment classes under unique names; unregister them afterwards."""
    names: list[str] = []

    def add(cls: type[Environment]) -> str:
        name = f"conf-{cls.__name__.lower()}-{uuid.uuid4().hex[:6]}"
        registry.register("environments", name, cls)
        names.append(name)
        return name

    yield add
    for name in names:
        registry.unregister("environments", name)


def test_a_conforming_family_passes_every_check(family) -> None:
    name = family(Quiz)
    report = check_environment(name)
    assert report.ok, report.summary()
    assert report.suites == [f"{name}/main", f"{name}/extra"]
    assert report.tasks_checked == 4
    assert report.passed["oracle"] == 4 and report.passed["nop"] == 4
    assert {c for c, p, f in report.rows() if p > 0} == set(CHECKS)


def test_the_builtin_debug_family_passes() -> None:
    report = check_environment("debug", concurrency=8)
    assert report.ok, report.summary()
    assert report.tasks_checked == 15


def test_suite_task_and_limit_narrow_the_run(family) -> None:
    name = family(Quiz)
    assert check_environment(f"{name}/main").tasks_checked == 3
    assert check_environment(f"{name}/main.q1").tasks_checked == 1
    assert check_environment(name, limit=1).tasks_checked == 2  # one per suite


@pytest.mark.parametrize(
    "cls, check, needle",
    [
        (WrongOracle, "oracle", "scored 0, not 1"),
        (NoOracle, "oracle", "offers no reference solution"),
        (GenerousToNop, "nop", "scored 1, not 0"),
        (BadTool, "schema", "not a valid JSON schema"),
        (BadTool, "schema", "must match"),
        (TupleInfo, "round_trip", "info changes in a JSON round trip"),
        (RewardTwo, "oracle", "outside [0, 1]"),  # refused at run time (Environment.finish)
        (Crashes, "oracle", "env_error"),
        (Crashes, "nop", "env_error"),
        (DuplicateIds, "schema", "duplicate task ids"),
    ],
)
def test_each_violation_fails_the_check_that_names_it(family, cls, check, needle) -> None:
    name = family(cls)
    report = check_environment(f"{name}/main")
    assert not report.ok
    reasons = [f.reason for f in report.failures_of(check)]
    assert any(needle in r for r in reasons), report.summary()
    if check in ("oracle", "nop", "round_trip", "status"):
        assert {f.task_id for f in report.failures_of(check)} == {"q0", "q1", "q2"}  # per-task, with reasons


def test_a_sandbox_left_open_fails_close_and_is_cleaned_up(family) -> None:
    name = family(LeaksSandbox)
    report = check_environment(f"{name}/main", sandbox="process")
    reasons = [f.reason for f in report.failures_of("close")]
    assert any("still open after close()" in r for r in reasons), report.summary()
    assert any("left its directory" in r for r in reasons)
    assert report.passed["oracle"] == 3  # the leak does not hide the other results
    assert not report.failures_of("oracle")


def test_a_child_process_left_running_fails_close(family) -> None:
    name = family(LeaksProcess)
    LeaksProcess.started.clear()
    try:
        report = check_environment(f"{name}/main.q0")
        reasons = [f.reason for f in report.failures_of("close")]
        assert any("child processes still running" in r and "sleep" in r for r in reasons), report.summary()
    finally:
        for pid in LeaksProcess.started:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass


def test_check_tool_accepts_envgym_tools_and_rejects_broken_schemas() -> None:
    assert (
        check_tool(
            Tool.define("bash", "run", {"command": {"type": "string", "description": "a command line"}}, ["command"])
        )
        == []
    )
    assert check_tool(Tool.define("bash", "run", {"command": {"type": "string"}}, ["command"])) == [
        "tool 'bash': parameter 'command' has no description"
    ]
    assert any("object schema" in p for p in check_tool({"function": {"name": "f", "parameters": {"type": "array"}}}))
    assert check_tool({"nonsense": True})


def test_cli_check_prints_a_table_and_sets_the_exit_code(family) -> None:
    runner = CliRunner()
    good = runner.invoke(app, ["check", "debug/echo", "--limit", "2", "--concurrency", "2"])
    assert good.exit_code == 0, good.output
    assert "oracle" in good.output and "passes every check" in good.output
    bad = runner.invoke(app, ["check", f"{family(WrongOracle)}/main", "--set", "x=1"])
    assert bad.exit_code == 1
    assert "FAIL" in bad.output and "[oracle]" in bad.output and "q0" in bad.output
    unknown = runner.invoke(app, ["check", "no-such-family-xyz"])
    assert unknown.exit_code == 1
    assert "no environment plugin named" in unknown.output


class Sandboxed(Quiz):
    """Checks the answer inside a sandbox it opens per episode and closes properly."""

    async def on_reset(self, task: Task, seed: int | None) -> Observation:
        self.box = await self.context.create_sandbox(SandboxSpec())
        return Observation.user(task.prompt)

    async def on_step(self, action: Action) -> StepResult:
        assert self.task is not None
        await self.box.write_file("answer.txt", action.text().strip())
        result = await self.box.exec(["cat", "answer.txt"])
        return self.finish(Grade.binary(result.stdout == self.task.private["answer"]))

    async def on_close(self) -> None:
        await self.box.close()


@pytest.mark.parametrize("provider", ["process", "bwrap"])
def test_sandboxed_families_pass_and_leaks_are_caught_per_provider(family, provider: str) -> None:
    from envgym.sandbox import get_provider

    try:
        available, why = get_provider(provider).available()
    except Exception as exc:  # noqa: BLE001 — the provider plugin is not installed here
        pytest.skip(f"{provider}: {exc}")
    if not available:
        pytest.skip(f"{provider} is not available here: {why}")
    good = check_environment(f"{family(Sandboxed)}/main", sandbox=provider)
    assert good.ok, good.summary()
    leaky = check_environment(f"{family(LeaksSandbox)}/main", sandbox=provider)
    assert any("still open after close()" in f.reason for f in leaky.failures_of("close")), leaky.summary()
    assert not leaky.failures_of("oracle")


class SharesARuntime(Quiz):
    """Holds something every episode of a context shares (as the web family holds its browsers)."""

    released: list[str] = []

    async def on_reset(self, task: Task, seed: int | None) -> Observation:
        async def release() -> None:
            SharesARuntime.released.append("released")

        self.context.on_close("shares-a-runtime", release)
        return Observation.user(task.prompt)


def test_what_episodes_share_is_released_when_the_check_ends(family) -> None:
    SharesARuntime.released.clear()
    report = check_environment(f"{family(SharesARuntime)}/main")
    assert report.ok, report.summary()
    assert SharesARuntime.released == ["released"]  # once, when the kit closes its context
