"""The ``terminal`` family: command-line tasks in a sandbox, graded by each task's check script.

Tools: ``bash`` (one command per call; files and the working directory persist across calls,
output is capped with the cut shown) and ``submit``. Plain text is read as a command when it holds
a fenced code block (the last one is run); otherwise it is answered with an error. The episode ends
at ``submit`` (graded), at the turn limit or the wall-time limit of ``task.toml`` (status
``truncated``, and the final state *is* graded: the work is on disk either way). Grading is
``verifier.VerifierRun``: hidden tests are copied in only then, after every agent process is killed.

Harbor's task format is read in full (taskfmt.py, harbor_config.py); where the episode starts is
workspace.py (envgym's files/setup.sh, or the task's own Docker image, prebuilt image or compose
project); multi-step tasks (steps.py) are one episode whose observations announce each step;
a task may verify in a separate environment, which receives only the declared artifacts.

Example:
    >>> from envgym.kernel.context import EnvContext
    >>> env = TerminalEnvironment("core", context=EnvContext(sandbox="process")).sync()  # doctest: +SKIP
    >>> obs, info = env.reset(TerminalEnvironment.get_task("core", "hello-file"))  # doctest: +SKIP
    >>> env.step(Action.call("bash", command="echo hello > hello.txt")).done  # doctest: +SKIP
    False
"""

from __future__ import annotations

import base64
import re
import secrets
import shlex
import time
from pathlib import Path
from typing import Any, Sequence

from envgym.kernel.context import EnvContext
from envgym.kernel.environment import Environment, Policy
from envgym.kernel.settings import Settings
from envgym.kernel.step_budget import StepBudget
from envgym.kernel.tools import Toolbox, tool
from envgym.protocol import (
    Action,
    Grade,
    Message,
    Observation,
    ResetResult,
    SkippedTask,
    StepResult,
    SuiteInfo,
    Task,
    Tool,
)
from envgym.protocol.errors import InvalidAction, UnknownTask
from envgym_terminal import bundle, steps, suites
from envgym_terminal.record import load_suite_dirs
from envgym_terminal.runnable import internet_allowed, network_on, why_not
from envgym_terminal.settings import TerminalSettings
from envgym_terminal.shell import ShellState
from envgym_terminal.shell_turns import ShellTurns, nonempty_command
from envgym_terminal.taskfmt import TaskFormatError, UnsupportedTaskFeature, find_task_dirs, warn_once
from envgym_terminal.verifier import VerifierRun
from envgym_terminal.workspace import (
    Workspace,
    collect_artifacts,
    open_agent_workspace,
    open_verifier_workspace,
    prepare_step,
    restore_artifacts,
    run_collect_hooks,
)

OUTPUT_LIMIT_CHARS = 10_000
# envgym's limit on one bash call when the task sets none ([agent] command_timeout_sec)
DEFAULT_COMMAND_TIMEOUT_S = 600.0
NO_TURN_LIMIT = 1_000_000  # Harbor has no turn limit; this keeps the base class's counter finite
FENCE_RE = re.compile(r"```(?:bash|sh|shell|console)?[ \t]*\n(.*?)```", re.DOTALL)


class OraclePolicy(Policy):
    """Runs each step's ``solve.sh`` through the bash tool (one call), then submits."""

    def __init__(self, task: Task) -> None:
        self.task = task
        self._step = 0
        self._sent = False

    async def act(self, observation: Observation) -> Action:
        if self._sent:
            self._sent = False
            self._step += 1
            return Action.call("submit")
        self._sent = True
        return Action.call("bash", command=oracle_command(self.task, self._step))


def oracle_command(task: Task, step: int = 0) -> str:
    """A shell command that unpacks a reference solution and runs its solve.sh from the agent's
    working directory, as Harbor's oracle does: in ``/solution`` when the agent's user may create
    it, else in a fresh directory with ``/solution`` in the solution's files pointed there."""
    steps_private = task.private.get("steps") or [{"solution_b64": task.private.get("solution_b64")}]
    b64 = steps_private[min(step, len(steps_private) - 1)].get("solution_b64")
    if not b64:
        raise InvalidAction(f"task {task.id!r} has no solution/solve.sh")
    placeholder = "/__envgym_solution__"
    tar = bundle.unpack_rewritten(b64, {"/solution": placeholder})
    env = " ".join(
        f"{k}={shlex.quote(v)}"
        for k, v in {"DEBIAN_FRONTEND": "noninteractive", **task.private.get("solution_env", {})}.items()
    )
    encoded = base64.b64encode(tar).decode("ascii")
    return (
        "__s=/solution; { [ ! -e /solution ] && mkdir /solution && [ -w /solution ]; } 2>/dev/null || __s=$(mktemp -d); "
        f'printf %s {shlex.quote(encoded)} | base64 -d | tar -xzf - -C "$__s" --no-same-owner && '
        f'grep -rlF {placeholder} "$__s" | while IFS= read -r f; do sed -i "s#{placeholder}#$__s#g" "$f"; done; '
        f'{env} bash "$__s/solve.sh"; __rc=$?; [ "$__s" = /solution ] || rm -rf "$__s"; exit $__rc'
    )


class TerminalEnvironment(ShellTurns, Environment):
    settings_model = TerminalSettings
    version = "0.2.0"
    summary = "Command-line tasks (Harbor/Terminal-Bench layout) in a sandbox: a bash tool, graded by each task's tests/test.sh."
    text_actions = (
        "plain text: the last fenced code block (```bash ... ```) is run as one bash command; text "
        "without a code block is answered with an error. Prefer the bash and submit tools."
    )
    _load_skips: dict[str, list[SkippedTask]] = {}

    # ------------------------------------------------------------------ tasks
    @classmethod
    def suites(cls) -> list[SuiteInfo]:
        out = [
            SuiteInfo(
                name=name,
                version="1",
                description=f"{name} tasks shipped with envgym-terminal",
                size=len(find_task_dirs(path)),
            )
            for name, path in suites.shipped_suites().items()
        ]
        for name, paths in suites.user_suites().items():
            out.append(
                SuiteInfo(name=name, version="local", description="task directories from " + ", ".join(map(str, paths)))
            )
        return out

    @classmethod
    def load_tasks(cls, suite: str) -> Sequence[Task]:
        shipped = suites.shipped_suites()
        user = suites.user_suites()
        if suite in shipped:
            tasks, skipped = load_suite_dirs([shipped[suite]], suite)
        elif suite in user:
            tasks, skipped = load_suite_dirs(user[suite], suite)
        else:
            raise UnknownTask(f"terminal has no suite {suite!r}", details={"suite": suite})
        cls._load_skips[suite] = skipped
        return tasks

    @classmethod
    def skipped_tasks(cls, suite: str | None = None, context: EnvContext | None = None) -> list[SkippedTask]:
        suite = suite or cls.default_suite()
        tasks = cls.tasks(suite)
        out = list(cls._load_skips.get(suite, []))
        if context is not None:
            for task in tasks:
                reason = why_not(task, context)
                if reason:
                    out.append(SkippedTask(id=task.id, reason=reason, source=task.payload.get("source_dir")))
        return out

    @classmethod
    def get_task(cls, suite: str | None, task_id: str) -> Task:
        try:
            return super().get_task(suite, task_id)
        except UnknownTask:
            broken = next((s for s in cls._load_skips.get(suite or cls.default_suite(), []) if s.id == task_id), None)
            if broken is None:
                raise
            raise UnsupportedTaskFeature(
                f"task {task_id!r} did not load: {broken.reason}", details={"file": broken.source, "field": None}
            ) from None

    @classmethod
    def tools(cls, suite: str | None = None) -> list[Tool]:
        return Toolbox.of(cls).schemas()

    @classmethod
    def oracle_policy(cls, task: Task) -> Policy | None:
        has = any(s.get("solution_b64") for s in task.private.get("steps") or [task.private])
        return OraclePolicy(task) if has else None

    # ------------------------------------------------------------------ episode
    @classmethod
    def use_settings(cls, settings: Settings) -> None:
        assert isinstance(settings, TerminalSettings)
        suites.add_from_setting(settings.tasks_dir)

    def __init__(self, suite: str | None = None, **kwargs: Any) -> None:
        super().__init__(suite, **kwargs)
        self.ws: Workspace | None = None
        self.shell: ShellState | None = None
        self.deadline: float | None = None
        self.step_index = 0
        self.outcomes: list[steps.StepOutcome] = []

    @property
    def box(self) -> Any:
        return self.ws.box if self.ws is not None else None

    @property
    def default_max_turns(self) -> int:  # type: ignore[override]
        value = self.task.payload.get("max_turns") if self.task else None
        return int(value) if value else NO_TURN_LIMIT

    @property
    def _steps(self) -> list[dict[str, Any]]:
        assert self.task is not None
        return self.task.payload.get("steps") or [{"name": "task"}]

    def _check_runnable(self, task: Task) -> None:
        reason = why_not(task, self.context)
        if reason:
            raise UnsupportedTaskFeature(
                reason, details={"file": task.payload.get("source_dir"), "field": None, "sandbox": self.context.sandbox}
            )

    async def on_reset(self, task: Task, seed: int | None) -> ResetResult:
        self._check_runnable(task)
        self._warn_provider_ignores(task)
        self.ws = await open_agent_workspace(task, self.context)
        try:
            await prepare_step(self.ws, task, 0)
        except BaseException:
            ws, self.ws = self.ws, None
            await ws.close()
            raise
        self.shell = ShellState(marker=f"__envgym_cwd_{secrets.token_hex(8)}__")
        self._start_step_clock()
        info: dict[str, Any] = {
            "workdir": self.ws.workdir,
            "agent_timeout_sec": self._steps[0].get("agent_timeout_sec"),
            "environment_start_s": round(self.ws.started_s, 3),
        }
        if task.payload.get("multi_step"):
            info["steps"] = [s["name"] for s in self._steps]
        for key in ("mcp_servers", "skills_dir"):
            if task.payload.get(key):
                info[key] = task.payload[key]
        return ResetResult(observation=Observation.user(self._announce(0)), info=info)

    def _announce(self, index: int) -> str:
        assert self.task is not None
        instruction = (
            self.task.private["steps"][index]["instruction"] if self.task.private.get("steps") else self.task.prompt
        )
        if not self.task.payload.get("multi_step"):
            return instruction
        name = self._steps[index]["name"]
        return f"Step {index + 1} of {len(self._steps)} ({name}):\n\n{instruction}"

    def _start_step_clock(self) -> None:
        limit = self._steps[self.step_index].get("agent_timeout_sec")
        self.deadline = time.monotonic() + float(limit) if limit else None

    def _warn_provider_ignores(self, task: Task) -> None:
        image_mode = self.context.sandbox == "docker" and task.payload.get("style") != "files"
        if not image_mode:
            users = {s.get(k) for s in self._steps_of(task) for k in ("agent_user", "verifier_user")} - {None}
            if users:
                warn_once(
                    f"user:{self.context.sandbox}",
                    f"[agent]/[verifier] user (first seen in task {task.id}) has no effect "
                    f"with the {self.context.sandbox!r} sandbox: commands run as its one unprivileged user",
                )
            if task.payload.get("cpus") and self.context.sandbox != "docker":
                warn_once(
                    f"cpus:{self.context.sandbox}",
                    f"[environment] cpus (first seen in task {task.id}) is not enforced "
                    f"by the {self.context.sandbox!r} sandbox",
                )
        if "allowlist" in {s.get(k) for s in self._steps_of(task) for k in ("agent_network", "verifier_network")}:
            warn_once(
                "allowlist",
                f"network_mode = 'allowlist' (first seen in task {task.id}) runs with full network "
                "access here: envgym has no egress filter",
            )

    @staticmethod
    def _steps_of(task: Task) -> list[dict[str, Any]]:
        return task.payload.get("steps") or []

    async def on_step(self, action: Action) -> StepResult:
        assert self.task is not None and self.box is not None and self.shell is not None
        calls = action.tool_calls or []
        if not calls:
            blocks = FENCE_RE.findall(action.text())
            if not blocks:
                raise InvalidAction(
                    "no tool call and no fenced code block: call the bash tool (or put a command in "
                    "```bash ... ```), or call submit when you are done"
                )
            output = await self._run_bash(blocks[-1], StepBudget.of(self.context))
            return self.mark_wall_time(StepResult(observation=Observation.user(output)))
        self.budget = StepBudget.of(self.context)  # the bash calls of one step share it
        turn = await Toolbox.of(type(self)).answer(self, calls, refuse=self.refuse)
        if turn.ended is not None:  # submit
            return await self._end_step(turn.replies, turn.ended.id)
        return self.mark_wall_time(StepResult(observation=Observation(messages=turn.replies)))

    @tool
    async def bash(self, command: str) -> str:
        """Run one bash command in the task's Linux sandbox and get its output (stdout and stderr together)
        and exit code. Files and the working directory persist between calls; environment variables do
        not. Background processes end when the call ends. Long output is cut in the middle.

        Args:
            command: the bash command or script to run
        """
        return await self._run_bash(nonempty_command(command), self.budget)

    @tool(ends_turn=True)
    async def submit(self) -> None:
        """Finish the task (or, in a multi-step task, the current step). The state of the sandbox is then
        checked by hidden tests."""

    def _command_timeout(self) -> float:
        assert self.task is not None
        configured = (
            self.task.payload.get("command_timeout_sec")
            or self.context.settings_for(TerminalSettings).command_timeout_sec
        )
        return float(configured or DEFAULT_COMMAND_TIMEOUT_S)

    async def _run_bash(self, command: str, budget: StepBudget) -> str:
        assert self.box is not None and self.shell is not None and self.task is not None and self.ws is not None
        return await self.shell.run_tool_call(
            self.box,
            command,
            limit_s=min(self._command_timeout(), self.time_left()),
            budget=budget,
            cwd=self.ws.workdir,
            output_limit=OUTPUT_LIMIT_CHARS,
        )

    async def step(self, action: Action | str | dict[str, Any]) -> StepResult:
        result = await super().step(action)
        if result.info.get("wall_time_exceeded") and not self.done:
            limit = self._steps[self.step_index].get("agent_timeout_sec")
            reason = f"wall-time limit of {limit} s reached"
            if self.task is not None and self.task.payload.get("multi_step"):
                # Harbor verifies a step whose agent ran out of time and goes on with the next one.
                result = await self._end_step(list(result.observation.messages), None, note=reason)
                result.info.setdefault("status", self.status.value)
                result.info["turn"] = self.turns
                return result
            grade = await self.on_truncate()
            result = self.finish(
                grade, observation=result.observation, truncated=True, info={"reason": reason, "turn": self.turns}
            )
        return result

    async def on_truncate(self) -> Grade:
        """Out of turns or time: the work is on disk, so the current step is graded as if submitted;
        steps never reached count 0."""
        outcome = await self._verify_step()
        self.outcomes.append(outcome)
        return self._final_grade(unreached_count_zero=True)

    async def _end_step(self, replies: list[Message], call_id: str | None, note: str | None = None) -> StepResult:
        """Verify the current step; then the next step starts, or the episode ends with its grade."""
        assert self.task is not None and self.ws is not None
        outcome = await self._verify_step()
        self.outcomes.append(outcome)
        name = self._steps[self.step_index]["name"]
        last = self.step_index + 1 >= len(self._steps)
        stop = (
            steps.min_reward_failure(steps.rewards_of(outcome.grade), self._steps[self.step_index].get("min_reward"))
            if outcome.grade.status == "ok"
            else None
        )
        if last or stop or outcome.grade.status != "ok":
            stopped = f"step {name!r}: {stop}; the remaining steps were not run" if stop and not last else None
            grade = self._final_grade(stopped=stopped)
            return self.finish(
                grade, observation=Observation(messages=replies), info={"reason": note} if note else None
            )
        self.step_index += 1
        await self._restore_agent_phase()
        await prepare_step(self.ws, self.task, self.step_index)
        self._start_step_clock()
        done = f"Step {self.step_index} ({name}) is finished{f' ({note})' if note else ''}; it was checked."
        messages = list(replies)
        if call_id is not None:
            messages.append(Message(role="tool", tool_call_id=call_id, content=done))
        messages.append(Message(role="user", content=self._announce(self.step_index)))
        return StepResult(
            observation=Observation(messages=messages),
            info={
                "step": self._steps[self.step_index]["name"],
                "step_index": self.step_index,
                "previous_step": {"name": name, "reward": outcome.grade.reward},
            },
        )

    def _final_grade(self, *, unreached_count_zero: bool = False, stopped: str | None = None) -> Grade:
        assert self.task is not None
        if not self.task.payload.get("multi_step"):
            outcome = self.outcomes[-1]
            grade = outcome.grade
            if outcome.extra:
                details = (
                    dict(grade.details)
                    if isinstance(grade.details, dict)
                    else ({"verifier": grade.details} if grade.details is not None else {})
                )
                grade = grade.model_copy(update={"details": {**details, **outcome.extra}})
            return grade
        return steps.aggregate(
            self.outcomes,
            self.task.payload.get("multi_step_reward_strategy", "mean"),
            total=len(self._steps),
            unreached_count_zero=unreached_count_zero,
            stopped=stopped,
        )

    async def _verify_step(self) -> steps.StepOutcome:
        """After the agent's phase of the current step: kill its processes, run the collect hooks,
        collect artifacts, and run the step's tests here or in a separate environment."""
        assert self.task is not None and self.ws is not None
        step = self._steps[self.step_index]
        started = time.monotonic()
        extra: dict[str, Any] = {}
        await self.ws.box.kill_all()
        if step.get("collect"):
            extra["collect"] = await run_collect_hooks(self.ws, step["collect"])
        separate = step.get("separate_verifier")
        artifacts = (
            await collect_artifacts(self.ws, step.get("artifacts") or [])
            if (step.get("artifacts") or separate or self.ws.image_mode)
            else None
        )
        run = self._verifier(step)
        if separate:
            verifier_ws = await open_verifier_workspace(self.task, self.context, step)
            try:
                if artifacts is not None:
                    await restore_artifacts(verifier_ws, artifacts)
                verifier_ws.use_user(step.get("verifier_user"))
                run.workdir = verifier_ws.workdir
                grade = await run.grade(verifier_ws.box)
            finally:
                await verifier_ws.close()
        else:
            self.ws.use_user(step.get("verifier_user"))
            await self.ws.use_network(network_on(step.get("verifier_network"), internet_allowed(self.context)))
            grade = await run.grade(self.ws.box)
        if artifacts is not None and any(m["status"] not in ("missing", "empty") for m in artifacts["manifest"]):
            extra["artifacts"] = {k: v for k, v in artifacts.items() if k != "_tar"}
        extra["verify_s"] = round(time.monotonic() - started, 3)
        return steps.StepOutcome(step["name"], grade, extra)

    def _verifier(self, step: dict[str, Any]) -> VerifierRun:
        assert self.task is not None and self.ws is not None
        private = (self.task.private.get("steps") or [self.task.private])[self.step_index]
        declared = step.get("reward_range") or self.task.metadata.get("reward_range")
        return VerifierRun(
            tests_b64=private["tests_b64"],
            workdir=self.ws.workdir,
            timeout_s=float(step.get("verifier_timeout_sec") or self.task.metadata.get("verifier_timeout_sec") or 600),
            env=dict(private.get("verifier_env") or {}),
            reward_range=(float(declared[0]), float(declared[1])) if declared else None,
        )

    async def _restore_agent_phase(self) -> None:
        """Between steps: the agent's user and network again (the verifier may have had others)."""
        assert self.ws is not None
        step = self._steps[self.step_index]
        self.ws.use_user(step.get("agent_user"))
        await self.ws.use_network(network_on(step.get("agent_network"), internet_allowed(self.context)))

    async def on_close(self) -> None:
        if self.ws is not None:
            ws, self.ws = self.ws, None
            await ws.close()


def tasks_in(path: str | Path, suite: str = suites.DEFAULT_USER_SUITE) -> list[Task]:
    """Load task directories without registering them (e.g. to validate them before use); the
    first task that does not load raises its error here."""
    tasks, skipped = load_suite_dirs([Path(path)], suite)
    if skipped:
        error = UnsupportedTaskFeature if skipped[0].code == UnsupportedTaskFeature.code else TaskFormatError
        raise error(skipped[0].reason, details={"file": skipped[0].source, "field": None})
    return tasks
