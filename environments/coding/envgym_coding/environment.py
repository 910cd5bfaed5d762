"""The ``coding`` family: write or fix Python code; hidden tests in a fresh sandbox decide the reward.

Suites:

* ``humaneval`` — the 164 HumanEval problems, single turn. The assistant's reply is the completion;
  the code is the last ```` ```python ```` block (else the raw text), either a whole function or
  just its body (see ``envgym_graders.code_extract``).
* ``humaneval-tools`` — the same problems, multi-turn: ``run_python`` runs code in the episode's
  sandbox; ``submit(code)`` ends the episode and grades ``code``.
* ``repo`` — repository-level bug fixes and features on small multi-file projects: ``bash``,
  ``read_file``, ``write_file``, ``list_files``, ``run_tests`` (visible tests only) and ``submit``.
  The workspace is graded (at ``submit``, or at the turn limit) by hidden tests the agent never sees.

Options (``options`` of a session): ``max_turns``; ``reward_mode`` = ``binary`` (default) or
``fraction`` (share of hidden tests passed).

Example:
    >>> env = CodingEnvironment("humaneval", context=EnvContext(sandbox="process")).sync()
    >>> task = CodingEnvironment.get_task("humaneval", "HumanEval-0")
    >>> _ = env.reset(task)
    >>> env.step(task.private["canonical_solution"]).reward  # doctest: +SKIP
    1.0
"""

from __future__ import annotations

from typing import Sequence

from envgym.kernel.context import EnvContext
from envgym.kernel.environment import Environment, Policy, ScriptedPolicy
from envgym.kernel.grader import get_grader
from envgym.kernel.step_budget import StepBudget
from envgym.protocol import (
    Action,
    Grade,
    GraderSpec,
    Observation,
    StepResult,
    Submission,
    SuiteInfo,
    Task,
    Tool,
    ToolCall,
)
from envgym.protocol.errors import InvalidAction, InvalidRequest
from envgym.sandbox.base import Sandbox, SandboxSpec
from envgym_coding import humaneval, repo, tools

SUITES = [
    SuiteInfo(
        name="humaneval",
        version="1",
        size=164,
        description="HumanEval (164 problems), single turn: the reply's last ```python block (or raw text) is the completion.",
    ),
    SuiteInfo(
        name="humaneval-tools",
        version="1",
        size=164,
        description="HumanEval with tools: run_python to try code, submit(code) to be graded.",
    ),
    SuiteInfo(
        name="repo",
        version="1",
        description="Fix a bug or add a feature in a small multi-file Python project; hidden tests grade the workspace.",
    ),
]
REWARD_MODES = ("binary", "fraction")


class CodingEnvironment(tools.CodingTools, Environment):
    version = "1.0.0"
    summary = "Python coding: HumanEval (single-turn or with run_python) and repository-level tasks, graded by hidden tests in a fresh sandbox."
    text_actions = (
        "humaneval: the reply is the completion (last ```python block, else raw text; whole function or body). "
        "humaneval-tools and repo: plain text is not an action; call a tool."
    )

    @classmethod
    def suites(cls) -> list[SuiteInfo]:
        return [s.model_copy(update={"size": len(repo.task_dirs())}) if s.name == "repo" else s for s in SUITES]

    @classmethod
    def load_tasks(cls, suite: str) -> Sequence[Task]:
        if suite in ("humaneval", "humaneval-tools"):
            return humaneval.load(suite)
        return repo.load(suite)

    @classmethod
    def tools(cls, suite: str | None = None) -> list[Tool]:
        return tools.tool_schemas(suite)

    @classmethod
    def oracle_policy(cls, task: Task) -> Policy:
        if task.suite == "humaneval":
            return ScriptedPolicy([task.private["canonical_solution"]])
        if task.suite == "humaneval-tools":
            full = task.payload["prompt"] + task.private["canonical_solution"]
            return ScriptedPolicy(
                [
                    Action.call(
                        "run_python", code=full + "\nprint('defined', " + task.payload["entry_point"] + ".__name__)\n"
                    ),
                    Action.call("submit", code=full),
                ]
            )
        return ScriptedPolicy(
            [
                Action.call("write_file", path=".oracle.patch", content=task.private["reference_patch"]),
                Action.call("bash", command="patch -p1 --no-backup-if-mismatch -s < .oracle.patch && rm .oracle.patch"),
                Action.call("run_tests"),
                Action.call("submit"),
            ]
        )

    # ------------------------------------------------------------------ episode
    def __init__(
        self, suite: str | None = None, *, context: EnvContext | None = None, options: dict | None = None
    ) -> None:
        super().__init__(suite, context=context, options=options)
        self.sandbox: Sandbox | None = None
        self._runs = 0
        mode = self.options.get("reward_mode", "binary")
        if mode not in REWARD_MODES:
            raise InvalidRequest(f"reward_mode must be one of {', '.join(REWARD_MODES)}, not {mode!r}")
        self.reward_mode = mode

    @property
    def default_max_turns(self) -> int:  # type: ignore[override]
        return {"humaneval": 1, "humaneval-tools": 20}.get(self.suite, 40)

    def _grader(self):  # type: ignore[no-untyped-def]
        assert self.task is not None and self.task.grader is not None
        spec = self.task.grader
        return get_grader(GraderSpec(name=spec.name, config={**spec.config, "mode": self.reward_mode}))

    async def on_reset(self, task: Task, seed: int | None) -> Observation:
        if task.suite != self.suite:
            raise InvalidRequest(f"task {task.id!r} belongs to suite {task.suite!r}, not {self.suite!r}")
        if self.suite == "repo":
            self.sandbox = await self.context.create_sandbox(
                SandboxSpec(files=task.payload["files"], wall_timeout_s=60)
            )
        return Observation.user(task.prompt)

    async def _box(self) -> Sandbox:
        if self.sandbox is None:
            self.sandbox = await self.context.create_sandbox(SandboxSpec(wall_timeout_s=60))
        return self.sandbox

    async def on_step(self, action: Action) -> StepResult:
        assert self.task is not None
        if self.suite == "humaneval":
            return self.finish(
                await self._grader().safe_grade(self.task, Submission(answer=action.text()), context=self.context)
            )
        if not action.tool_calls:
            names = ", ".join(t.function.name for t in self.tools(self.suite))
            raise InvalidAction(f"plain text does nothing here: call one of the tools ({names})")
        # The commands of one step share a time budget under the host's step timeout.
        self.budget = StepBudget.of(self.context)
        turn = await tools.TOOLBOXES[self.suite].answer(self, action.tool_calls, refuse=self._refuse)
        if turn.ended is not None:  # submit: its grade ends the episode
            return self.finish(turn.value, observation=Observation(messages=turn.replies))
        return StepResult(observation=Observation(messages=turn.replies))

    def _refuse(self, call: ToolCall) -> str | None:
        if call.function.name != "submit" and self.budget.spent():
            return "Error: this step's time budget is used up, so this call was not run; make it again in the next step"
        return None

    def _test_dir(self) -> str:
        assert self.task is not None
        return str(self.task.payload.get("test_dir", "tests"))

    async def _grade_code(self, code: str) -> Grade:
        assert self.task is not None
        # A submission ends the episode: nothing the agent started may outlive its turn.
        if self.sandbox is not None:
            await self.sandbox.kill_all()
        return await self._grader().safe_grade(self.task, Submission(answer=code), context=self.context)

    async def _grade_workspace(self) -> Grade:
        assert self.task is not None
        return await self._grader().safe_grade(self.task, Submission(), sandbox=await self._box(), context=self.context)

    async def on_truncate(self) -> Grade | None:
        # A repository is graded as the agent left it; a HumanEval-with-tools episode that never submitted is not.
        if self.suite == "repo" and self.sandbox is not None:
            return await self._grader().safe_grade(self.task, Submission(), sandbox=self.sandbox, context=self.context)  # type: ignore[arg-type]
        return None

    async def on_close(self) -> None:
        if self.sandbox is not None:
            await self.sandbox.close()
            self.sandbox = None
