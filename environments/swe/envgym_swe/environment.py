"""The ``swe`` family: SWE-bench-format instances (SWE-bench, SWE-Gym, SWE-smith) on the Docker
provider, each in its own image, graded by the instance's tests in a fresh verifier container.

Tools: ``bash`` (one command per call; the working directory carries over, environment variables do
not), ``str_replace_editor`` (view with line numbers / create / str_replace / insert / undo_edit)
and ``submit``. Plain text runs its last fenced code block as a bash command. The episode ends at
``submit`` or at the turn or wall-time limit; the repository is graded as the agent left it in each
case. The agent's submission is its diff against the base commit (``verifier.py``).

Suites: ``own`` (the shipped offline suite, images built from ``envgym-base:bookworm``) and the
users' instance files (``suites.py``; ``--set swe.instances=PATH``).

Example:
    >>> from envgym_swe.environment import SweEnvironment
    >>> task = SweEnvironment.get_task("own", "ledgerlite__ledgerlite-1")
    >>> task.metadata["repo"], task.payload["workdir"]
    ('envgym/ledgerlite', '/testbed')
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import time
from typing import Any, Literal, Sequence

from envgym.kernel.context import EnvContext
from envgym.kernel.environment import Environment, Policy, ScriptedPolicy
from envgym.kernel.settings import Settings
from envgym.kernel.step_budget import StepBudget
from envgym.kernel.tools import Toolbox, tool
from envgym.protocol import (
    Action,
    Grade,
    Observation,
    ResetResult,
    SkippedTask,
    StepResult,
    SuiteInfo,
    Task,
    Tool,
)
from envgym.protocol.errors import EnvironmentFailed, InvalidAction, UnknownTask
from envgym.sandbox.base import Sandbox, SandboxSpec
from envgym_swe import gitcmd, images, protect, suites
from envgym_swe.instances import Loaded, Skipped, SweInstance, load_path
from envgym_swe.settings import SweSettings
from envgym_swe.tools import run_editor
from envgym_swe.verifier import AgentDiff, Plan, Verifier, commit_bug_script, read_agent_diff
from envgym_terminal.shell import ShellState
from envgym_terminal.shell_turns import ShellTurns, nonempty_command

log = logging.getLogger("envgym.swe")

OUTPUT_LIMIT_CHARS = 10_000
FENCE_RE = re.compile(r"```(?:bash|sh|shell|console)?[ \t]*\n(.*?)```", re.DOTALL)
# SWE-smith's Python repositories run their whole suite with pytest; -rA gives the summary lines
# swebench's parse_log_pytest reads. Other languages need a profile (swe.profiles).
SWESMITH_DEFAULT = {
    "test_cmd": "pytest --disable-warnings --color=no --tb=no -rA -p no:cacheprovider",
    "log_parser": "parse_log_pytest",
}
PROMPT = """<uploaded_files>
{workdir}
</uploaded_files>
The code repository {repo} is checked out in {workdir}. Resolve this issue:

<issue_description>
{issue}
</issue_description>

Change the repository's non-test files so that the issue is resolved. Hidden tests decide whether it is:
your changes to test files and to test-runner configuration are discarded before they run. Use the bash
and str_replace_editor tools to explore, reproduce and fix; call submit when you are done (your diff
against the starting commit is the submission)."""


def _test_method(inst: SweInstance, profiles: dict[str, dict[str, str]]) -> tuple[str | None, str | None, str | None]:
    """(eval_script, test_cmd, log_parser) for an instance, or raise ValueError with the reason."""
    profile = profiles.get(f"{inst.repo}@{inst.version}") or profiles.get(inst.repo) or {}
    if inst.form == "swesmith" and not profile:
        profile = SWESMITH_DEFAULT
    eval_script = inst.eval_script
    test_cmd = None if eval_script else (inst.test_cmd or profile.get("test_cmd"))
    parser = inst.log_parser or profile.get("log_parser")
    if not eval_script and not test_cmd:
        raise ValueError(
            "no way to run its tests: the row has no eval_script (SWE-bench >= 5 datasets carry one) and no "
            f"test_cmd, and swe.profiles has no entry for {inst.repo!r}; add one (see docs/swe.md)"
        )
    if not parser:
        raise ValueError(
            "no log_parser: name one of swebench's parsers (e.g. parse_log_pytest) in the row or in swe.profiles"
        )
    return eval_script, test_cmd, parser


def task_from_instance(
    inst: SweInstance, suite: str, profiles: dict[str, dict[str, str]], extra: dict[str, Any] | None = None
) -> Task:
    eval_script, test_cmd, parser = _test_method(inst, profiles)
    extra = dict(extra or {})
    gold = inst.patch if inst.form == "swebench" else ""
    payload = {
        "form": inst.form,
        "workdir": inst.workdir,
        "base_commit": inst.base_commit,
        "image": inst.image,
        "build_context": extra.pop("build_context", None),
        "source": inst.source,
    }
    private = {
        "patch": inst.patch,
        "test_patch": inst.test_patch,
        "fail_to_pass": inst.fail_to_pass,
        "pass_to_pass": inst.pass_to_pass,
        "eval_script": eval_script,
        "test_cmd": test_cmd,
        "log_parser": parser,
        "gold_files": sorted(protect.patch_files(gold)),
        "protect": inst.protect + extra.pop("protect", []),
    }
    meta = {
        "repo": inst.repo,
        "version": inst.version,
        "form": inst.form,
        "instance_id": inst.instance_id,
        "fail_to_pass_count": len(inst.fail_to_pass),
        "pass_to_pass_count": len(inst.pass_to_pass),
        **extra,
    }
    prompt = PROMPT.format(workdir=inst.workdir, repo=inst.repo, issue=inst.problem_statement.strip())
    return Task(
        id=inst.instance_id,
        suite=suite,
        prompt=prompt,
        payload=payload,
        private=private,
        metadata={k: v for k, v in meta.items() if v is not None},
    )


def _tasks(
    loaded: Loaded, suite: str, extras: dict[str, dict[str, Any]] | None = None
) -> tuple[list[Task], list[Skipped]]:
    tasks, skipped = [], list(loaded.skipped)
    try:
        profiles = suites.profiles()
    except (OSError, ValueError) as exc:  # rows that need no profile still load
        profiles = {}
        skipped.append(Skipped(str(suites.profiles_path()), None, f"swe.profiles is unreadable and was ignored: {exc}"))
    for inst in loaded.instances:
        try:
            tasks.append(task_from_instance(inst, suite, profiles, (extras or {}).get(inst.instance_id)))
        except ValueError as exc:
            skipped.append(Skipped(inst.source, inst.instance_id, str(exc)))
    return tasks, skipped


_skipped: dict[str, list[Skipped]] = {}


def own_suite() -> tuple[Loaded, dict[str, dict[str, Any]]]:
    """The shipped suite: its instance file plus, per instance, the image build context."""
    loaded = load_path(suites.SUITE_ROOT / "instances.jsonl")
    meta = json.loads((suites.SUITE_ROOT / "images.json").read_text())
    extras = {}
    for inst in loaded.instances:
        repo_dir = meta["instances"][inst.instance_id]
        extras[inst.instance_id] = {
            "build_context": str(suites.SUITE_ROOT / "images" / repo_dir),
            "protect": meta.get("protect", {}).get(repo_dir, []),
            "language": meta["languages"][repo_dir],
        }
    return loaded, extras


class SweEnvironment(ShellTurns, Environment):
    settings_model = SweSettings
    version = "0.1.0"
    summary = (
        "SWE-bench / SWE-Gym / SWE-smith instances as shipped, on the docker provider: bash + file editor, "
        "graded by the instance's FAIL_TO_PASS and PASS_TO_PASS tests in a fresh verifier container."
    )
    text_actions = (
        "plain text: the last fenced code block (```bash ... ```) runs as one bash command; prefer the tools."
    )

    # ------------------------------------------------------------------ tasks
    @classmethod
    def suites(cls) -> list[SuiteInfo]:
        size = len(json.loads((suites.SUITE_ROOT / "images.json").read_text())["instances"])
        out = [
            SuiteInfo(
                name=suites.OWN_SUITE,
                version="1",
                size=size,
                description="envgym's own offline SWE-bench-format instances (Python and C repositories)",
            )
        ]
        for name, paths in suites.user_suites().items():
            out.append(
                SuiteInfo(name=name, version="local", description="instances from " + ", ".join(map(str, paths)))
            )
        return out

    @classmethod
    def load_tasks(cls, suite: str) -> Sequence[Task]:
        if suite == suites.OWN_SUITE:
            loaded, extras = own_suite()
            tasks, skipped = _tasks(loaded, suite, extras)
        else:
            user = suites.user_suites()
            if suite not in user:
                raise UnknownTask(f"swe has no suite {suite!r}", details={"suite": suite})
            loaded = Loaded()
            for path in user[suite]:
                loaded.extend(load_path(path))
            tasks, skipped = _tasks(loaded, suite)
        _skipped[suite] = skipped
        for s in skipped:
            log.warning("swe/%s: skipped %s", suite, s)
        return tasks

    @classmethod
    def skipped_tasks(cls, suite: str | None = None, context: EnvContext | None = None) -> list[SkippedTask]:
        """Rows of ``suite`` that did not load, each with its reason (after the suite was listed)."""
        names = [suite] if suite else [s.name for s in cls.suites()]
        out: list[SkippedTask] = []
        for name in names:
            cls.tasks(name)
            out += [
                SkippedTask(
                    id=s.instance_id or "(no instance_id)", reason=s.reason, source=s.source, code="invalid_task"
                )
                for s in _skipped.get(name, [])
            ]
        return out

    @classmethod
    def tools(cls, suite: str | None = None) -> list[Tool]:
        return Toolbox.of(cls).schemas()

    @classmethod
    def demo_suites(cls) -> list[tuple[str, int]]:
        return []  # every instance runs in its Docker image; `envgym check swe --sandbox docker` is its tour

    @classmethod
    def oracle_policy(cls, task: Task) -> Policy | None:
        patch = task.private.get("patch") or ""
        if not patch.strip():
            return None
        reverse = "-R " if task.payload.get("form") == "swesmith" else ""
        path = "/tmp/envgym_reference.patch"
        return ScriptedPolicy(
            [
                Action.call("str_replace_editor", command="create", path=path, file_text=patch),
                Action.call(
                    "bash", command=f"git apply {reverse}--whitespace=nowarn {path} && rm {path} && git status --short"
                ),
                Action.call("submit"),
            ]
        )

    # ------------------------------------------------------------------ episode
    @classmethod
    def use_settings(cls, settings: Settings) -> None:
        assert isinstance(settings, SweSettings)
        suites.use_settings(settings)

    def __init__(self, suite: str | None = None, **kwargs: Any) -> None:
        super().__init__(suite, **kwargs)
        self.box: Sandbox | None = None
        self.shell: ShellState | None = None
        self.base: str | None = None
        self.deadline: float | None = None
        self.env_vars: dict[str, str] = {}

    @property
    def default_max_turns(self) -> int:  # type: ignore[override]
        return self.settings.max_turns

    @property
    def settings(self) -> SweSettings:
        return self.context.settings_for(SweSettings)

    def image_for(self, task: Task) -> str | None:
        if task.payload.get("build_context"):
            return None
        settings = self.settings
        return images.resolve_image(
            task.id,
            task.payload.get("image"),
            mapping=images.local_mapping(settings.images),
            namespace=settings.namespace,
            arch=settings.arch,
        )

    def sandbox_spec(self, task: Task, *, verifier: bool) -> SandboxSpec:
        fields = SandboxSpec.model_fields
        if "keep_image_files" not in fields or "user" not in fields:
            raise EnvironmentFailed(
                "this envgym's docker provider cannot keep an image's repository in place "
                "(SandboxSpec.keep_image_files / SandboxSpec.user); update envgym"
            )
        timeout = self.settings.test_timeout_sec if verifier else self.settings.command_timeout_sec
        return SandboxSpec(
            image=self.image_for(task),
            build_context=task.payload.get("build_context"),
            workdir=task.payload["workdir"],
            keep_image_files=True,
            user="root" if verifier else "sandbox",
            network="none",
            memory_mb=self.settings.memory_mb,
            max_processes=1024,
            wall_timeout_s=timeout,
            cpu_seconds=int(timeout) + 60,
            output_bytes=(32 if verifier else 4) * 1024 * 1024,
            env={} if verifier else self.env_vars,
        )

    async def on_reset(self, task: Task, seed: int | None) -> ResetResult:
        if self.context.sandbox != "docker":
            raise EnvironmentFailed(
                f"swe instances run in their Docker images: use the docker sandbox provider "
                f"(--sandbox docker), not {self.context.sandbox!r}"
            )
        workdir = task.payload["workdir"]
        self.env_vars = {
            "HOME": "/tmp",
            "TERM": "dumb",
            "PAGER": "cat",
            "GIT_PAGER": "cat",
            "EDITOR": "true",
            "GIT_AUTHOR_NAME": "agent",
            "GIT_AUTHOR_EMAIL": "agent@localhost",
            "GIT_COMMITTER_NAME": "agent",
            "GIT_COMMITTER_EMAIL": "agent@localhost",
        }
        spec = self.sandbox_spec(task, verifier=False)
        try:
            self.box = await self.context.create_sandbox(spec)
        except Exception as exc:  # noqa: BLE001 — a missing image is the commonest reason; say how to get one
            raise EnvironmentFailed(
                f"could not start instance {task.id!r} from image {self.image_for(task) or 'built locally'}: "
                f"{getattr(exc, 'message', exc)}. Pull or `docker load` the image, or map the id to a "
                "local tag with --set swe.images=FILE (docs/swe.md)",
                details={"task_id": task.id},
            ) from exc
        try:
            await self._prepare(task, workdir)
        except BaseException:
            box, self.box = self.box, None
            await box.close()
            raise
        self.shell = ShellState(marker=f"__envgym_cwd_{secrets.token_hex(8)}__")
        self.deadline = time.monotonic() + self.settings.agent_timeout_sec
        return ResetResult(
            observation=Observation.user(task.prompt),
            info={"workdir": workdir, "base_commit": self.base, "repo": task.metadata.get("repo")},
        )

    async def _prepare(self, task: Task, workdir: str) -> None:
        """Check the image holds the base commit (or commit the SWE-smith bug) and find the conda environment."""
        assert self.box is not None
        env = {**gitcmd.git_env("/tmp"), **gitcmd.COMMIT_ENV}
        if task.payload["form"] == "swesmith":
            made = await self.box.exec(
                commit_bug_script(workdir), stdin=task.private["patch"], timeout=300, env=env, cwd="/"
            )
            if not made.ok:
                raise EnvironmentFailed(
                    f"{task.id}: the SWE-smith bug patch does not apply to the image: "
                    f"{(made.stdout + made.stderr).strip()[-800:]}"
                )
            self.base = made.stdout.strip().splitlines()[-1]
        else:
            head = await self.box.exec(
                gitcmd.script(f"cd {workdir} && {gitcmd.GIT} rev-parse HEAD"), timeout=60, env=env, cwd="/"
            )
            want = task.payload["base_commit"]
            if not head.ok or not head.stdout.strip().startswith(want[:40].lower()):
                raise EnvironmentFailed(
                    f"{task.id}: the image's {workdir} is not at base_commit {want} "
                    f"(HEAD: {(head.stdout + head.stderr).strip()[:200]})"
                )
            self.base = head.stdout.strip()
        probe = await self.box.exec(
            "[ -x /opt/miniconda3/envs/testbed/bin/python ] && echo conda || true", timeout=30, cwd="/"
        )
        if probe.stdout.strip() == "conda":
            # The instance's environment first on PATH, as `conda activate testbed` would put it.
            self.env_vars.update(
                PATH="/opt/miniconda3/envs/testbed/bin:/opt/miniconda3/bin:/usr/local/sbin:/usr/local/bin:"
                "/usr/sbin:/usr/bin:/sbin:/bin",
                CONDA_PREFIX="/opt/miniconda3/envs/testbed",
                CONDA_DEFAULT_ENV="testbed",
            )

    async def on_step(self, action: Action) -> StepResult:
        assert self.task is not None and self.box is not None
        calls = action.tool_calls or []
        if not calls:
            blocks = FENCE_RE.findall(action.text())
            if not blocks:
                raise InvalidAction(
                    "no tool call and no fenced code block: call bash or str_replace_editor, or submit "
                    "when you are done"
                )
            return self.mark_wall_time(
                StepResult(observation=Observation.user(await self._bash(blocks[-1], StepBudget.of(self.context))))
            )
        self.budget = StepBudget.of(self.context)  # the commands of one step share it (envgym/kernel/step_budget.py)
        turn = await Toolbox.of(type(self)).answer(self, calls, refuse=self.refuse)
        if turn.ended is not None:  # submit
            return self.finish(await self._grade(), observation=Observation(messages=turn.replies))
        return self.mark_wall_time(StepResult(observation=Observation(messages=turn.replies)))

    @tool
    async def bash(self, command: str) -> str:
        """Run one bash command in the repository's container and get its output (stdout and stderr
        together) and exit code. Files and the working directory persist between calls; environment
        variables do not. Processes left in the background end when the call ends. There is no network.
        Long output is cut in the middle.

        Args:
            command: the bash command or script to run
        """
        return await self._bash(nonempty_command(command), self.budget)

    @tool
    async def str_replace_editor(
        self,
        command: Literal["view", "create", "str_replace", "insert", "undo_edit"],
        path: str,
        file_text: str | None = None,
        old_str: str | None = None,
        new_str: str | None = None,
        insert_line: int | None = None,
        view_range: list[int] | None = None,
    ) -> str:
        """View, create and edit files. `view` shows a file with line numbers (`view_range` [start, end],
        end -1 for the end of file) or a directory two levels deep. `create` writes a new file
        (`file_text`); it never overwrites. `str_replace` replaces `old_str`, which must occur exactly
        once in the file, by `new_str`. `insert` adds `new_str` after line `insert_line` (0: at the top).
        `undo_edit` reverts the last edit of `path`. Paths are absolute.

        Args:
            command: what to do: view, create, str_replace, insert or undo_edit
            path: absolute path of a file or directory, e.g. /testbed/setup.py
            file_text: create: the new file's content
            old_str: str_replace: the exact text to replace (unique in the file)
            new_str: str_replace: the replacement; insert: the text to insert
            insert_line: insert: the line after which new_str goes
            view_range: view: [start, end] lines
        """
        assert self.box is not None and self.task is not None
        given = dict(
            file_text=file_text, old_str=old_str, new_str=new_str, insert_line=insert_line, view_range=view_range
        )
        request = {"command": command, "path": path, **{k: v for k, v in given.items() if v is not None}}
        return await run_editor(self.box, request, self.task.payload["workdir"], self.env_vars)

    @tool(ends_turn=True)
    async def submit(self) -> None:
        """Finish: your changes to the repository (its diff against the starting commit) are graded by hidden tests."""

    async def _bash(self, command: str, budget: StepBudget) -> str:
        assert self.box is not None and self.shell is not None and self.task is not None
        return await self.shell.run_tool_call(
            self.box,
            command,
            limit_s=min(self.settings.command_timeout_sec, self.time_left()),
            budget=budget,
            cwd=self.task.payload["workdir"],
            output_limit=OUTPUT_LIMIT_CHARS,
        )

    async def step(self, action: Action | str | dict[str, Any]) -> StepResult:
        result = await super().step(action)
        if result.info.get("wall_time_exceeded") and not self.done:
            result = self.finish(
                await self._grade(),
                observation=result.observation,
                truncated=True,
                info={"reason": f"wall-time limit of {self.settings.agent_timeout_sec} s reached", "turn": self.turns},
            )
        return result

    async def on_truncate(self) -> Grade:
        """Out of turns: the repository is graded as the agent left it (SWE-agent submits on exit too)."""
        return await self._grade()

    def plan(self) -> Plan:
        assert self.task is not None
        p, t = self.task.private, self.task
        return Plan(
            instance={
                "instance_id": t.id,
                "repo": t.metadata.get("repo", ""),
                "version": t.metadata.get("version"),
                "fail_to_pass": p["fail_to_pass"],
                "pass_to_pass": p["pass_to_pass"],
            },
            workdir=t.payload["workdir"],
            base_commit=t.payload.get("base_commit") if t.payload["form"] == "swebench" else None,
            bug_patch=p["patch"] if t.payload["form"] == "swesmith" else "",
            test_patch=p.get("test_patch") or "",
            gold_files=set(p.get("gold_files") or []),
            protect=list(p.get("protect") or []),
            eval_script=p.get("eval_script"),
            test_cmd=p.get("test_cmd"),
            log_parser=p["log_parser"],
            timeout_s=self.settings.test_timeout_sec,
        )

    async def _grade(self) -> Grade:
        assert self.task is not None
        if self.box is None or self.base is None:
            return Grade.grader_error("the episode has no sandbox to grade")
        diff: AgentDiff = await read_agent_diff(self.box, self.task.payload["workdir"], self.base)
        box, self.box = self.box, None
        await box.close()  # nothing of the agent's container but its diff reaches the verifier
        task = self.task
        return await Verifier(
            self.plan(), lambda: self.context.create_sandbox(self.sandbox_spec(task, verifier=True))
        ).grade(diff)

    async def on_close(self) -> None:
        if self.box is not None:
            box, self.box = self.box, None
            await box.close()


__all__ = ["SweEnvironment", "task_from_instance"]
