"""The conformance kit (envgym.testing) and `envgym check`: good plugins pass, each kind of broken
plugin fails the check that names its problem."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Sequence

import pytest
from typer.testing import CliRunner

from envgym.cli import app
from envgym.kernel import registry
from envgym.kernel.context import EnvContext
from envgym.kernel.environment import Environment, ScriptedPolicy
from envgym.protocol import Action, Grade, Observation, SkippedTask, StepResult, SuiteInfo, Task, Tool, ToolFunction
from envgym.sandbox.base import SandboxSpec
from envgym.testing import CHECKS, check_environment, check_tool
from envgym.testing.conformance import check_environment_async


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


# --------------------------------------------------------------------------- the orchestration (mutation survivors)


class LeaksTempFiles(Quiz):
    """Leaves files in the default temp directory (``count`` per episode), as a careless sandbox would."""

    count = 1
    dirs: list[str] = []

    async def on_reset(self, task: Task, seed: int | None) -> Observation:
        LeaksTempFiles.dirs.append(tempfile.gettempdir())
        for i in range(self.count):
            fd, _ = tempfile.mkstemp(prefix=f"left-{task.id}-{i:02}-")
            os.close(fd)
        return Observation.user(task.prompt)


def test_temp_files_left_behind_fail_close_in_a_private_directory_removed_afterwards(family) -> None:
    LeaksTempFiles.dirs.clear()
    before = tempfile.tempdir
    report = check_environment(f"{family(LeaksTempFiles)}/main.q0")
    [failure] = report.failures_of("close")
    assert (failure.env, failure.task_id) == (report.env_id, None)
    names = failure.reason.removeprefix("temporary files left behind after close: ").split(", ")
    assert len(names) == 2 and all(n.startswith("left-q0-00-") for n in names), failure.reason  # oracle, nop
    assert tempfile.tempdir == before  # the process-wide default is restored
    [private] = set(LeaksTempFiles.dirs)
    assert Path(private).name.startswith("envgym-check-") and not Path(private).exists()


def test_at_most_ten_leftover_files_are_listed(family) -> None:
    class LeaksMany(LeaksTempFiles):
        count = 6

    report = check_environment(f"{family(LeaksMany)}/main.q0")
    [failure] = report.failures_of("close")
    names = failure.reason.removeprefix("temporary files left behind after close: ").split(", ")
    assert len(names) == 10 and names == sorted(names), failure.reason


async def test_concurrent_checks_share_the_process_temp_directory_safely(family) -> None:
    before = tempfile.tempdir
    leaky, good = family(LeaksTempFiles), family(Quiz)
    first, second = await asyncio.gather(
        check_environment_async(f"{leaky}/main.q0"), check_environment_async(f"{good}/main")
    )
    assert any("temporary files left behind" in f.reason for f in first.failures_of("close")), first.summary()
    assert second.ok, second.summary()  # the second one does without the temp-directory check
    assert tempfile.tempdir == before


def test_a_child_process_started_before_the_check_is_not_its_leftover(family) -> None:
    earlier = subprocess.Popen(["sleep", "60"])
    try:
        report = check_environment(f"{family(Quiz)}/main.q0")
        assert report.ok, report.summary()
    finally:
        earlier.kill()
        earlier.wait()


def test_the_report_names_the_env_checked_and_suite_level_and_task_level_schema_failures(family) -> None:
    class WrongSuite(Quiz):
        @classmethod
        def load_tasks(cls, suite: str) -> Sequence[Task]:
            return [Task(id="q0", suite="elsewhere", prompt="say 0", private={"answer": "0"})]

    name = family(WrongSuite)
    report = check_environment(f"{name}/main")
    assert report.env_id == f"{name}/main"
    [failure] = report.failures_of("schema")
    assert (failure.env, failure.task_id) == (f"{name}/main", "q0")
    assert failure.reason == "task says suite 'elsewhere' but was loaded from suite 'main'"
    dups = check_environment(f"{family(DuplicateIds)}/main").failures_of("schema")
    assert {(f.env.endswith("/main"), f.task_id) for f in dups} == {(True, None)}  # a suite's: no task


def test_each_suite_is_checked_with_its_own_info_and_tasks(family) -> None:
    class OneBadSuite(Quiz):
        @classmethod
        def suites(cls) -> list[SuiteInfo]:
            return [*super().suites(), SuiteInfo(name="empty", size=0)]

        @classmethod
        def load_tasks(cls, suite: str) -> Sequence[Task]:
            if suite == "extra":
                return [Task(id="x", suite=suite, prompt="say 0", private={"answer": "0"})] * 2
            return [] if suite == "empty" else super().load_tasks(suite)

    name = family(OneBadSuite)
    assert check_environment(f"{name}/main").ok  # the other suites' problems are not main's
    extra = [f.reason for f in check_environment(f"{name}/extra").failures_of("schema")]
    assert extra == ["duplicate task ids in suite 'extra': x"]
    empty = [f.reason for f in check_environment(f"{name}/empty").failures_of("schema")]
    assert empty == ["suite 'empty' has no tasks"]


class SkipsOne(Quiz):
    """Cannot run one task per suite here (q1 of main, q0 of extra): listed, not run."""

    @classmethod
    def skipped_tasks(cls, suite: str | None = None, context: EnvContext | None = None) -> list[SkippedTask]:
        assert context is not None and context.sandbox  # decided for the context the check runs in
        return [SkippedTask(id="q1" if suite == "main" else "q0", reason=f"not on {context.sandbox}")]


def test_skipped_tasks_are_listed_per_suite_and_not_run(family) -> None:
    name = family(SkipsOne)
    main = check_environment(f"{name}/main", sandbox="process")
    assert [(s.id, s.reason) for s in main.skipped] == [("q1", "not on process")]
    assert main.tasks_checked == 2 and main.ok
    assert [s.id for s in check_environment(name).skipped] == ["q1", "q0"]  # every suite's
    assert check_environment(f"{name}/main.q0").skipped == []  # one task: only its own skip is listed
    one = check_environment(f"{name}/main.q1")
    assert [s.id for s in one.skipped] == ["q1"] and one.tasks_checked == 0


def test_the_contexts_sandbox_options_and_settings_reach_the_episodes(family) -> None:
    seen: list[tuple[dict[str, Any], Any]] = []

    class Reads(Quiz):
        async def on_reset(self, task: Task, seed: int | None) -> Observation:
            seen.append((dict(self.context.sandbox_options), self.context.setting("conf.level")))
            return Observation.user(task.prompt)

    context = EnvContext(sandbox="process", sandbox_options={"opt": 1}, settings={"conf.level": 3})
    assert check_environment(f"{family(Reads)}/main.q0", context=context).ok
    assert seen == [({"opt": 1}, 3)] * 2


def test_by_default_four_episodes_run_at_once(family) -> None:
    class Counts(Quiz):
        running = 0
        most = 0

        @classmethod
        def load_tasks(cls, suite: str) -> Sequence[Task]:
            return [Task(id=f"q{i}", suite=suite, prompt=f"say {i}", private={"answer": str(i)}) for i in range(6)]

        async def on_reset(self, task: Task, seed: int | None) -> Observation:
            Counts.running += 1
            Counts.most = max(Counts.most, Counts.running)
            await asyncio.sleep(0.01)  # yields, so the other episodes start meanwhile
            return Observation.user(task.prompt)

        async def on_close(self) -> None:
            Counts.running -= 1

    name = family(Counts)
    assert check_environment(name + "/main").ok
    assert Counts.most == 4
    Counts.most = 0
    assert asyncio.run(check_environment_async(name + "/main")).ok  # the async form's own default
    assert Counts.most == 4


def test_a_temp_directory_set_before_the_check_is_set_again_after_it(family, tmp_path: Path) -> None:
    saved = tempfile.tempdir
    tempfile.tempdir = str(tmp_path)
    try:
        assert check_environment(f"{family(Quiz)}/main.q0").ok
        assert tempfile.tempdir == str(tmp_path)
    finally:
        tempfile.tempdir = saved


def test_leftover_files_and_processes_are_both_reported_ten_at_most(family) -> None:
    class LeaksBoth(LeaksTempFiles):
        pids: list[int] = []

        async def on_reset(self, task: Task, seed: int | None) -> Observation:
            for _ in range(6):
                LeaksBoth.pids.append((await asyncio.create_subprocess_exec("sleep", "60")).pid)
            return await super().on_reset(task, seed)

    try:
        started = time.monotonic()
        report = check_environment(f"{family(LeaksBoth)}/main.q0")
        took = time.monotonic() - started
        files, children = [f.reason for f in report.failures_of("close")]
        assert files.startswith("temporary files left behind after close: left-q0-00-")
        listed = children.removeprefix("child processes still running after close: ").split(", ")
        assert len(listed) == 10 and all(entry.endswith(" (sleep)") for entry in listed), children
        assert {int(entry.split()[0]) for entry in listed} <= set(LeaksBoth.pids)
        assert 0 <= report.duration_s <= took  # the check's own time, measured from its start
    finally:
        for pid in LeaksBoth.pids:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
