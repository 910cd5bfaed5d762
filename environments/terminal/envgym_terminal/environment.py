"""The ``terminal`` family: command-line tasks in a sandbox, graded by each task's check script.

Tools: ``bash`` (one command per call; files and the working directory persist across calls,
output is capped with the cut shown) and ``submit``. Plain text is read as a command when it holds
a fenced code block (the last one is run); otherwise it is answered with an error. The episode ends
at ``submit`` (graded), at the turn limit or the wall-time limit of ``task.toml`` (status
``truncated``, and the final state *is* graded: the work is on disk either way). Grading is
``verifier.VerifierRun``: hidden tests are copied in only then, after every agent process is killed.

Example:
    >>> from envgym.context import EnvContext
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

from envgym.environment import Environment, Policy
from envgym.errors import EnvironmentError_, InvalidAction, UnknownTask
from envgym.protocol import Action, Grade, Message, Observation, ResetResult, StepResult, SuiteInfo, Task, Tool
from envgym.sandbox.base import Sandbox, SandboxSpec

from envgym_terminal import bundle, suites
from envgym_terminal.shell import ShellState, render
from envgym_terminal.taskfmt import TaskDirSpec, UnsupportedTaskFeature, find_task_dirs, load_task_dir
from envgym_terminal.verifier import VerifierRun

OUTPUT_LIMIT_CHARS = 10_000
DEFAULT_DISK_MB = 512
DEFAULT_MEMORY_MB = 1024
SANDBOX_ENV = {
    "TERM": "dumb", "PAGER": "cat", "GIT_PAGER": "cat", "EDITOR": "true",
    # Commits need an identity; tasks and agents get the same fixed one.
    "GIT_AUTHOR_NAME": "envgym", "GIT_AUTHOR_EMAIL": "envgym@example.com",
    "GIT_COMMITTER_NAME": "envgym", "GIT_COMMITTER_EMAIL": "envgym@example.com",
}
FENCE_RE = re.compile(r"```(?:bash|sh|shell|console)?[ \t]*\n(.*?)```", re.DOTALL)

BASH_TOOL = Tool.define(
    "bash",
    "Run one bash command in the task's Linux sandbox and get its output (stdout and stderr together) and exit "
    "code. Files and the working directory persist between calls; environment variables do not. Background "
    "processes end when the call ends. Long output is cut in the middle.",
    {"command": {"type": "string", "description": "the bash command or script to run"}}, ["command"])
SUBMIT_TOOL = Tool.define("submit", "Finish the task. The final state of the sandbox is then checked by hidden tests.")


def task_from_dir(spec: TaskDirSpec, suite: str) -> Task:
    """The Task record of a checked task directory: everything travels inside it (tests and solution
    in ``private``), so a task is graded the same wherever it is sent."""
    cfg = spec.config
    meta: dict[str, Any] = {k: v for k, v in cfg.metadata.items() if isinstance(v, (str, int, float, bool, list))}
    meta.update(max_turns=cfg.agent.max_turns, agent_timeout_sec=cfg.agent.timeout_sec,
                verifier_timeout_sec=cfg.verifier.timeout_sec)
    if cfg.task.name:
        meta.setdefault("name", cfg.task.name)
    if cfg.task.keywords:
        meta.setdefault("tags", cfg.task.keywords)
    if spec.ignored:
        meta["ignored_fields"] = spec.ignored
    env_dir = spec.root / "environment"
    payload = {
        "source_dir": str(spec.root),  # for error messages; not in metadata, which task listings show
        "workdir": spec.workdir,
        "max_turns": cfg.agent.max_turns,
        "agent_timeout_sec": cfg.agent.timeout_sec,
        "command_timeout_sec": cfg.agent.command_timeout_sec,
        "build_timeout_sec": cfg.environment.build_timeout_sec,
        "memory_mb": spec.memory_mb,
        "storage_mb": spec.storage_mb,
        "allow_internet": cfg.environment.allow_internet,
        "environment_env": cfg.environment.env,
        "has_setup": spec.has_setup,
        # Kept for the Docker provider (issue 8): the image to use or the Dockerfile to build it from.
        "docker": {"image": cfg.environment.docker_image, "dockerfile": spec.dockerfile,
                   "build_timeout_sec": cfg.environment.build_timeout_sec},
    }
    private = {
        "environment_b64": bundle.pack_dir(env_dir, exclude=("Dockerfile",)) if env_dir.is_dir() else None,
        "tests_b64": bundle.pack_dir(spec.tests_dir),
        "verifier_env": cfg.verifier.env,
        "solution_b64": bundle.pack_dir(spec.solution_dir) if spec.solution_dir else None,
        "solution_env": cfg.solution.env,
    }
    return Task(id=spec.task_id, suite=suite, prompt=spec.instruction, payload=payload, private=private, metadata=meta)


def load_suite_dirs(paths: Sequence[Path], suite: str) -> list[Task]:
    tasks: dict[str, Task] = {}
    for root in paths:
        for task_dir in find_task_dirs(root):
            spec = load_task_dir(task_dir)
            if spec.task_id in tasks:
                raise UnsupportedTaskFeature(
                    f"{task_dir}: task id {spec.task_id!r} appears twice in suite {suite!r}; task ids come from "
                    "directory names and must be unique", details={"file": str(task_dir), "field": None})
            tasks[spec.task_id] = task_from_dir(spec, suite)
    return list(tasks.values())


class OraclePolicy(Policy):
    """Runs ``solution/solve.sh`` through the bash tool (one call), then submits."""

    def __init__(self, task: Task) -> None:
        self.task = task
        self._sent = False

    async def act(self, observation: Observation) -> Action:
        if self._sent:
            return Action.call("submit")
        self._sent = True
        return Action.call("bash", command=oracle_command(self.task))


def oracle_command(task: Task) -> str:
    """A shell command that unpacks the reference solution to a fresh directory and runs solve.sh
    there, from the agent's working directory, as Harbor's oracle does."""
    b64 = task.private.get("solution_b64")
    if not b64:
        raise InvalidAction(f"task {task.id!r} has no solution/solve.sh")
    # Harbor's oracle sees the solution at /solution; the placeholder is replaced by the real directory.
    placeholder = "/__envgym_solution__"
    tar = bundle.unpack_rewritten(b64, {"/solution": placeholder})
    env = " ".join(f"{k}={shlex.quote(v)}" for k, v in task.private.get("solution_env", {}).items())
    encoded = base64.b64encode(tar).decode("ascii")
    return (f"__s=$(mktemp -d) && printf %s {shlex.quote(encoded)} | base64 -d | tar -xzf - -C \"$__s\" && "
            f"grep -rlF {placeholder} \"$__s\" | while IFS= read -r f; do sed -i \"s#{placeholder}#$__s#g\" \"$f\"; done; "
            f"{env} bash \"$__s/solve.sh\"; __rc=$?; rm -rf \"$__s\"; exit $__rc")


class TerminalEnvironment(Environment):
    version = "0.1.0"
    summary = "Command-line tasks (Harbor/Terminal-Bench layout) in a sandbox: a bash tool, graded by each task's tests/test.sh."
    text_actions = ("plain text: the last fenced code block (```bash ... ```) is run as one bash command; text "
                    "without a code block is answered with an error. Prefer the bash and submit tools.")

    # ------------------------------------------------------------------ tasks
    @classmethod
    def suites(cls) -> list[SuiteInfo]:
        out = [SuiteInfo(name=name, version="1", description=f"{name} tasks shipped with envgym-terminal",
                         size=len(find_task_dirs(path))) for name, path in suites.shipped_suites().items()]
        for name, paths in suites.user_suites().items():
            out.append(SuiteInfo(name=name, version="local", description="task directories from " + ", ".join(map(str, paths))))
        return out

    @classmethod
    def load_tasks(cls, suite: str) -> Sequence[Task]:
        shipped = suites.shipped_suites()
        if suite in shipped:
            return load_suite_dirs([shipped[suite]], suite)
        user = suites.user_suites()
        if suite in user:
            return load_suite_dirs(user[suite], suite)
        raise UnknownTask(f"terminal has no suite {suite!r}", details={"suite": suite})

    @classmethod
    def tools(cls, suite: str | None = None) -> list[Tool]:
        return [BASH_TOOL, SUBMIT_TOOL]

    @classmethod
    def oracle_policy(cls, task: Task) -> Policy | None:
        return OraclePolicy(task) if task.private.get("solution_b64") else None

    # ------------------------------------------------------------------ episode
    def __init__(self, suite: str | None = None, **kwargs: Any) -> None:
        context = kwargs.get("context")
        if context is not None and context.setting(suites.SETTING):
            suites.add_from_setting(context.setting(suites.SETTING))
        super().__init__(suite, **kwargs)
        self.box: Sandbox | None = None
        self.shell: ShellState | None = None
        self.deadline: float | None = None

    @property
    def default_max_turns(self) -> int:  # type: ignore[override]
        return int(self.task.payload.get("max_turns", 50)) if self.task else 50

    def _check_runnable(self, task: Task) -> None:
        payload = task.payload
        docker = payload.get("docker") or {}
        provider = self.context.sandbox
        src = payload.get("source_dir", task.id)
        if (docker.get("dockerfile") or docker.get("image")) and not payload.get("has_setup") and provider != "docker":
            raise UnsupportedTaskFeature(
                f"{src}/environment: the starting state is only described by a Dockerfile or docker_image, which the "
                f"{provider!r} sandbox cannot build; add environment/setup.sh (run in the working directory to build "
                "the same state) or use the Docker sandbox provider (--sandbox docker)",
                details={"file": f"{src}/environment/Dockerfile", "field": "environment", "sandbox": provider})
        if payload.get("allow_internet") and not self.context.setting("terminal.allow_internet", False):
            raise UnsupportedTaskFeature(
                f"{src}/task.toml: environment.allow_internet = true, but network access for terminal tasks is off; "
                "set terminal.allow_internet=true (e.g. envgym serve --set terminal.allow_internet=true) to allow it",
                details={"file": f"{src}/task.toml", "field": "environment.allow_internet"})
        if provider == "docker" and not payload.get("has_setup") and docker.get("dockerfile") and not docker.get("image"):
            # The Docker provider (issue 8) will build from payload["docker"]["dockerfile"]; until it can, say so.
            raise UnsupportedTaskFeature(
                f"{src}/environment/Dockerfile: building task images is not implemented yet; give "
                "environment.docker_image or add environment/setup.sh",
                details={"file": f"{src}/environment/Dockerfile", "field": "environment"})

    async def on_reset(self, task: Task, seed: int | None) -> ResetResult:
        self._check_runnable(task)
        payload = task.payload
        workdir = payload.get("workdir", "/app")
        spec = SandboxSpec(
            workdir=workdir,
            wall_timeout_s=float(payload.get("command_timeout_sec", 60)),
            # RLIMIT_CPU applies to every exec, setup and tests included: the longest of their time limits.
            cpu_seconds=int(max(60.0, float(payload.get("command_timeout_sec", 60)), float(payload.get("build_timeout_sec", 120)),
                                float(task.metadata.get("verifier_timeout_sec", 120)))) + 5,
            memory_mb=int(payload.get("memory_mb") or DEFAULT_MEMORY_MB),
            disk_mb=int(payload.get("storage_mb") or DEFAULT_DISK_MB),
            network="host" if payload.get("allow_internet") else "none",
            env={**SANDBOX_ENV, **payload.get("environment_env", {})},
            image=(payload.get("docker") or {}).get("image") if self.context.sandbox == "docker" else None,
        )
        self.box = await self.context.create_sandbox(spec)
        try:
            await self._build_state(task, workdir)
        except BaseException:
            box, self.box = self.box, None
            await box.close()
            raise
        self.shell = ShellState(marker=f"__envgym_cwd_{secrets.token_hex(8)}__")
        self.deadline = time.monotonic() + float(payload.get("agent_timeout_sec", 600))
        return ResetResult(observation=Observation.user(task.prompt),
                           info={"workdir": workdir, "agent_timeout_sec": payload.get("agent_timeout_sec")})

    async def _build_state(self, task: Task, workdir: str) -> None:
        """Copy environment/files into the working directory and run environment/setup.sh there."""
        assert self.box is not None
        b64 = task.private.get("environment_b64")
        if not b64:
            return
        # cwd= lets the provider map the working directory; the script never names it itself.
        script = ("__e=$(mktemp -d) && "
                  "tar -xzf - -C \"$__e\" && { [ ! -d \"$__e/files\" ] || cp -a \"$__e/files/.\" . ; } && "
                  "{ [ ! -f \"$__e/setup.sh\" ] || ENV_DIR=\"$__e\" bash \"$__e/setup.sh\"; }; __rc=$?; "
                  "rm -rf \"$__e\"; exit $__rc")
        timeout = float(task.payload.get("build_timeout_sec", 120))
        result = await self.box.exec(script, stdin=base64.b64decode(b64), timeout=timeout, cwd=workdir)
        if not result.ok:
            why = "timed out" if result.timed_out else f"exited with {result.exit_code}"
            raise EnvironmentError_(f"setting up task {task.id!r} failed: environment/setup.sh {why}: "
                                    f"{(result.stdout + result.stderr).strip()[-1500:]}",
                                    details={"task_id": task.id})

    async def on_step(self, action: Action) -> StepResult:
        assert self.task is not None and self.box is not None and self.shell is not None
        calls = action.tool_calls or []
        if not calls:
            blocks = FENCE_RE.findall(action.text())
            if not blocks:
                raise InvalidAction("no tool call and no fenced code block: call the bash tool (or put a command in "
                                    "```bash ... ```), or call submit when you are done")
            output = await self._run_bash(blocks[-1])
            return self._after_commands(StepResult(observation=Observation.user(output)))
        replies: list[Message] = []
        for call in calls:
            name = call.function.name
            if name == "submit":
                grade = await self._grade()
                return self.finish(grade, observation=Observation(messages=replies))
            if name != "bash":
                replies.append(Message(role="tool", tool_call_id=call.id, content=f"Error: unknown tool {name!r}; use bash or submit"))
                continue
            try:
                command = call.function.parsed_arguments().get("command")
            except ValueError as exc:
                replies.append(Message(role="tool", tool_call_id=call.id, content=f"Error: {exc}"))
                continue
            if not isinstance(command, str) or not command.strip():
                replies.append(Message(role="tool", tool_call_id=call.id, content="Error: bash needs a non-empty string `command`"))
                continue
            if self._time_left() <= 0:
                replies.append(Message(role="tool", tool_call_id=call.id, content="Error: the time limit is reached; the command was not run"))
                continue
            replies.append(Message(role="tool", tool_call_id=call.id, content=await self._run_bash(command)))
        return self._after_commands(StepResult(observation=Observation(messages=replies)))

    def _time_left(self) -> float:
        return (self.deadline - time.monotonic()) if self.deadline is not None else float("inf")

    async def _run_bash(self, command: str) -> str:
        assert self.box is not None and self.shell is not None and self.task is not None
        timeout = max(1.0, min(float(self.task.payload.get("command_timeout_sec", 60)), self._time_left()))
        result = await self.box.exec(self.shell.wrap(command), timeout=timeout, cwd=self.task.payload.get("workdir", "/app"))
        output = self.shell.absorb(result.stdout + result.stderr)
        return render(result, output, OUTPUT_LIMIT_CHARS, timeout)

    def _after_commands(self, result: StepResult) -> StepResult:
        # Marks the wall-time limit; the turn limit is the base class's. Both grade the final state.
        if self._time_left() <= 0:
            result.info["wall_time_exceeded"] = True
        return result

    async def step(self, action: Action | str | dict[str, Any]) -> StepResult:
        result = await super().step(action)
        if result.info.get("wall_time_exceeded") and not self.done:
            grade = await self.on_truncate()
            limit = self.task.payload.get("agent_timeout_sec") if self.task else None
            result = self.finish(grade, observation=result.observation, truncated=True,
                                 info={"reason": f"wall-time limit of {limit} s reached", "turn": self.turns})
        return result

    async def on_truncate(self) -> Grade:
        """Out of turns or time: the work is on disk, so the final state is graded as if submitted."""
        return await self._grade()

    async def _grade(self) -> Grade:
        assert self.task is not None and self.box is not None
        run = VerifierRun(tests_b64=self.task.private["tests_b64"], workdir=self.task.payload.get("workdir", "/app"),
                          timeout_s=float(self.task.metadata.get("verifier_timeout_sec", 120)),
                          env=dict(self.task.private.get("verifier_env") or {}))
        return await run.grade(self.box)

    async def on_close(self) -> None:
        if self.box is not None:
            box, self.box = self.box, None
            await box.close()


def tasks_in(path: str | Path, suite: str = suites.DEFAULT_USER_SUITE) -> list[Task]:
    """Load task directories without registering them (e.g. to validate them before use)."""
    return load_suite_dirs([Path(path)], suite)
