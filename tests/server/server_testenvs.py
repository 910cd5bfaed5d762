"""Test-only plugins for the server tests: an environment whose steps can block, sleep or run a
long command in a sandbox, and an exact-match grader. Registered with ``envgym.kernel.registry.register``
(``install()``), in the test process and in server subprocesses started by ``serve_testenvs.py``.

Actions of ``slowtest/main`` (plain text):
* ``sleep``  — awaits ``asyncio.sleep(30)``; records start/cancellation in ``EVENTS``;
* ``exec``   — runs ``echo $$ > pid; sleep 30; touch finished`` in its sandbox (the workspace path is
  reported at reset in ``info["workspace"]``);
* ``done``   — ends the episode with reward 1; anything else is a no-op step.
With the setting ``marker_dir`` (``--set marker_dir=...``), ``on_close`` writes ``<dir>/<task>-<n>.closed``.
With the option ``swallow``, ``sleep`` catches the step timeout's cancellation and returns normally.
A hand-made task's ``payload.memory_mb`` sizes the sandbox (for the server's caps).

Also: the ``spin_test`` grader (``score`` loops for ever: bounded execution must stop it) and the
``marker`` sandbox provider, which records ``recover()`` and ``aclose()`` as files in
``$ENVGYM_TEST_PROVIDER_MARKERS`` (for start-up and shutdown tests).
"""

from __future__ import annotations

import asyncio
import itertools
import os
from pathlib import Path
from typing import Sequence

from envgym.kernel import registry
from envgym.kernel.environment import Environment
from envgym.kernel.grader import Grader
from envgym.protocol import Action, Grade, Observation, ResetResult, StepResult, SuiteInfo, Task
from envgym.sandbox.base import SandboxSpec
from envgym.sandbox.process import ProcessProvider

EVENTS: list[str] = []
_counter = itertools.count()


class SlowEnvironment(Environment):
    version = "0.0.1"
    summary = "test environment whose steps can hang"
    default_max_turns = 1000
    unhealthy: str | None = None  # what the family health hook reports (None: can serve)

    @classmethod
    async def health(cls, context) -> str | None:
        return cls.unhealthy

    @classmethod
    def suites(cls) -> list[SuiteInfo]:
        return [SuiteInfo(name="main", description="slow steps")]

    @classmethod
    def load_tasks(cls, suite: str) -> Sequence[Task]:
        return [Task(id="t1", suite=suite, prompt="wait", private={"secret": "hidden-answer-xyz"}, payload={"p": 1})]

    async def on_reset(self, task: Task, seed: int | None) -> ResetResult:
        spec = SandboxSpec(memory_mb=int(task.payload.get("memory_mb", 1024)))
        self.box = await self.context.create_sandbox(spec, provider="process") if self.options.get("sandbox") else None
        info = {"workspace": str(self.box.workspace)} if self.box is not None else {}
        return ResetResult(observation=Observation.user(task.prompt), info=info)

    async def on_step(self, action: Action) -> StepResult:
        text = action.text()
        if text == "sleep":
            EVENTS.append("sleep-start")
            try:
                await asyncio.sleep(30)
            except asyncio.CancelledError:
                EVENTS.append("sleep-cancelled")
                if not self.options.get("swallow"):
                    raise
                return StepResult(observation=Observation.user("swallowed the cancellation"))
            EVENTS.append("sleep-finished")
        elif text == "exec":
            await self.box.exec("echo $$ > pid; sleep 30; touch finished", timeout=60)
        elif text == "done":
            return self.finish(Grade.binary(True))
        elif text == "crash":
            raise RuntimeError("the environment crashed on purpose")
        return StepResult(observation=Observation.user("ok"))

    async def on_close(self) -> None:
        EVENTS.append("closed")
        marker_dir = self.context.setting("marker_dir")
        if marker_dir:
            Path(
                marker_dir, f"{self.task.id if self.task else 'none'}-{os.getpid()}-{next(_counter)}.closed"
            ).write_text("closed")
        if getattr(self, "box", None) is not None:
            await self.box.close()


class ExactTestGrader(Grader):
    name = "exact_test"

    async def grade(self, task, submission, *, sandbox=None, context=None) -> Grade:
        return Grade.binary((submission.answer or "").strip() == task.private.get("answer"))


class SpinTestGrader(Grader):
    """CPU work that never ends, as a pathological answer could make a real grader do."""

    name = "spin_test"
    requires = frozenset({"answer"})

    def score(self, task, submission) -> Grade:
        while True:
            pass


class MarkerProvider(ProcessProvider):
    name = "marker"

    def _mark(self, what: str) -> None:
        directory = os.environ.get("ENVGYM_TEST_PROVIDER_MARKERS")
        if directory:
            Path(directory, f"{what}-{os.getpid()}").write_text(what)

    async def recover(self) -> list[str]:
        self._mark("recovered")
        return []

    async def aclose(self) -> None:
        self._mark("closed")
        await super().aclose()


def install() -> None:
    registry.register("environments", "slowtest", SlowEnvironment, replace=True)
    registry.register("graders", "exact_test", ExactTestGrader, replace=True)
    registry.register("graders", "spin_test", SpinTestGrader, replace=True)
    registry.register("sandboxes", "marker", MarkerProvider, replace=True)
