"""The ``unit_tests`` grader (docs/architecture.md §7): hidden tests, a fresh sandbox, a channel the solution cannot write.

Grading never happens in the agent's sandbox. The grader

1. takes the solution: the episode's sandbox (its processes are killed first, then its regular
   files are copied out — symlinks, ``conftest.py``, ``sitecustomize.py``, ``*.pth`` are dropped and
   reported), or ``submission.files`` laid over the task's starting files, or ``submission.answer``
   (a code completion, for ``kind="function"``);
2. creates a NEW sandbox through ``context.create_sandbox`` for every grading (never a reused one: a
   grading that could leave anything for the next, a file, an IPC object or even the PID counter,
   could learn the hidden tests over a few gradings; with bwrap a new sandbox costs a fork);
3. starts the trusted harness (``harness.py``) there as ``python3 -I -S -c`` (``Sandbox.exec_python``:
   with bwrap, a fork of the sandbox's already-running interpreter) and sends it, on stdin, the
   solution's files (which it lays out in the empty workspace), the hidden tests and a random per-run
   key — hidden tests never exist as files anywhere;
4. the harness runs each test in its own process and calls the solution in worker processes that
   only return plain data; it prints one result line MAC-ed with the key (keyed BLAKE2b), which is
   verified here before the line is parsed (``ast.literal_eval``, never ``eval``).

Configuration (``GraderSpec.config``):

* ``kind``: ``"function"`` (HumanEval-style: ``task.payload["entry_point"]``, ``task.payload["prompt"]``,
  ``task.private["tests"]`` defines ``check(candidate)``) or ``"project"`` (``task.private["hidden_tests"]``:
  ``{file name: source}``; each ``test_*`` function receives a ``project`` handle).
* ``mode``: ``"binary"`` (1 only if every test passes) or ``"fraction"`` (passed / total).
* ``test_timeout_s`` (default 10), ``total_timeout_s`` (default 120), ``python`` (default ``/usr/bin/python3``),
  ``sandbox`` (``SandboxSpec`` field overrides).

Example:
    >>> from envgym.protocol import Task, GraderSpec, Submission
    >>> task = Task(id="add", suite="demo", prompt="write add(a, b)",
    ...             payload={"entry_point": "add", "prompt": "def add(a, b):\\n"},
    ...             private={"tests": "def check(candidate):\\n    assert candidate(2, 3) == 5\\n"},
    ...             grader=GraderSpec(name="unit_tests", config={"kind": "function"}))
    >>> UnitTestsGrader(kind="function").grade_sync(task, Submission(answer="    return a + b\\n"),
    ...     context=EnvContext(sandbox="process")).reward  # doctest: +SKIP
    1.0
"""

from __future__ import annotations

import ast
import hashlib
import hmac
import importlib.util
import marshal
import secrets
import warnings
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

from pydantic import Field

from envgym.kernel.bounded import OverBudget, run_bounded
from envgym.kernel.context import EnvContext, default_context
from envgym.kernel.grader import Grader, GraderConfig
from envgym.protocol import Grade, GradeComponent, Submission, Task
from envgym.protocol.errors import GraderError, SandboxError
from envgym.sandbox.base import Sandbox, SandboxSpec
from envgym_graders.code_extract import BUILD_INLINE_CHARS, build_program
from envgym_graders.unit_tests.preload import stdlib_imports
from envgym_graders.unit_tests.snapshot import Snapshot, snapshot_from_files, take_snapshot

MARKER = "ENVGYM-RESULT"
# Starts the harness from stdin: nothing of it is on disk; -I keeps the workspace, PYTHON* variables and
# the user site out of sys.path, -S skips site-packages (and the start-up time of ``site``).
# Stdin carries two length-prefixed marshal frames: the harness and public settings, then the secrets.
# They are read with exact, unbuffered os.read calls, so the second frame is not in memory when the
# harness forks the zygote its solution workers come from (see harness.py).
BOOTSTRAP = (
    "import os, marshal\n"
    "def frame():\n"
    "    def exact(n):\n"
    "        buf = b''\n"
    "        while len(buf) < n:\n"
    "            chunk = os.read(0, n - len(buf))\n"
    "            if not chunk:\n"
    "                raise EOFError('stdin ended early')\n"
    "            buf += chunk\n"
    "        return buf\n"
    "    return marshal.loads(exact(int.from_bytes(exact(8), 'little')))\n"
    "public = frame()\nns = {'__name__': 'envgym_harness'}\n"
    "import _frozen_importlib_external as fie\n"
    "code = public.pop('code') if public.pop('magic') == fie.MAGIC_NUMBER else None\n"
    "exec(marshal.loads(code) if code else compile(public['harness'], '<envgym-harness>', 'exec'), ns)\n"
    "del public['harness']\nns['main'](public, frame)\n"
)
SOLUTION_MODULE = "solution"
GRADING_ATTEMPTS = 3


class UnitTestsConfig(GraderConfig):
    kind: Literal["function", "project"] = Field("project", description="HumanEval-style function or project tests")
    mode: Literal["binary", "fraction"] = Field("binary", description="1 only if all pass, or the fraction passed")
    test_timeout_s: float = Field(10.0, gt=0, description="seconds one test may take")
    total_timeout_s: float = Field(120.0, gt=0, description="seconds all tests may take")
    python: str = Field("/usr/bin/python3", description="the interpreter in the sandbox")
    sandbox: dict[str, Any] = Field(default_factory=dict, description="SandboxSpec field overrides")
    max_result_bytes: int = Field(4_000_000, gt=0, description="largest result the harness may send back")
    output_cap: int = Field(2000, gt=0, description="characters of a failing test's output kept in details")


def _warn_if_pool_asked(context: EnvContext) -> None:
    if context.setting("unit_tests_pool") and not getattr(context, "_unit_tests_pool_warned", False):
        setattr(context, "_unit_tests_pool_warned", True)
        warnings.warn(
            "the unit_tests_pool setting was removed and is ignored: every grading gets a new sandbox "
            "(a reused one could carry state from one grading to the next; a new bwrap sandbox costs a fork)",
            stacklevel=3,
        )


@lru_cache(maxsize=1)
def _harness() -> dict[str, Any]:
    """The harness's source, and its code compiled here: an interpreter with the same bytecode
    (``MAGIC_NUMBER``) in the sandbox runs that instead of compiling the source at every grading."""
    source = resources.files("envgym_graders.unit_tests").joinpath("harness.py").read_text()
    return {
        "harness": source,
        "magic": importlib.util.MAGIC_NUMBER,
        "code": marshal.dumps(compile(source, "<envgym-harness>", "exec")),
    }


def _is_source_text(text: str) -> bool:
    """Python source holds no NUL byte and is encodable as UTF-8 (a lone surrogate, JSON "\\ud800", is not)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


class UnitTestsGrader(Grader):
    name = "unit_tests"
    summary = "Hidden unit tests run in a fresh sandbox by a trusted harness; binary or fraction-passed reward."
    config_model = UnitTestsConfig
    cfg: UnitTestsConfig

    async def grade(
        self, task: Task, submission: Submission, *, sandbox: Sandbox | None = None, context: EnvContext | None = None
    ) -> Grade:
        context = context or default_context()
        _warn_if_pool_asked(context)
        snap, tests, extra = await self._prepare(task, submission, sandbox)
        if snap is None:
            return Grade(reward=0.0, passed=False, details={"reason": extra.get("reason", "nothing to grade")})
        spec = SandboxSpec(**{"wall_timeout_s": self.cfg.total_timeout_s + 30, **self.cfg.sandbox})
        key = secrets.token_bytes(32)
        public = {**_harness(), "workdir": None, "preload": stdlib_imports(snap.files, extra.get("prelude", ""))}
        secret = {
            "key": key,
            "kind": self.cfg.kind,
            "tests": tests,
            "files": snap.files,
            "call_timeout": self.cfg.test_timeout_s,
            "total_timeout": self.cfg.total_timeout_s,
            "max_result_bytes": self.cfg.max_result_bytes,
            "output_cap": self.cfg.output_cap,
            **extra,
        }
        stdin = b"".join(len(data).to_bytes(8, "little") + data for data in map(marshal.dumps, (public, secret)))
        for attempt in range(1, GRADING_ATTEMPTS + 1):
            try:
                result = await self._run_once(context, spec, stdin)
                break
            except SandboxError:
                # The sandbox machinery itself failed (not the solution: it cannot reach the host side);
                # a fresh sandbox usually works. If it keeps failing, the error becomes grader_error.
                if attempt == GRADING_ATTEMPTS:
                    raise
        return self._verdict(result, key, snap)

    async def _run_once(self, context: EnvContext, spec: SandboxSpec, stdin: bytes) -> Any:
        async with await context.create_sandbox(spec) as box:
            return await box.exec_python(
                BOOTSTRAP, stdin=stdin, timeout=self.cfg.total_timeout_s + 20, cwd=spec.workdir, python=self.cfg.python
            )

    async def _prepare(
        self, task: Task, submission: Submission, sandbox: Sandbox | None
    ) -> tuple[Snapshot | None, list[dict[str, str]], dict[str, Any]]:
        if self.cfg.kind == "function":
            entry_point = task.payload.get("entry_point")
            check = task.private.get("tests")
            if not entry_point or not check:
                raise GraderError(
                    f"task {task.id!r} lacks payload.entry_point or private.tests for a function-kind grader"
                )
            prompt = task.payload.get("prompt", "")
            if submission.answer is None or not submission.answer.strip():
                return None, [], {"reason": "empty answer"}
            if not _is_source_text(submission.answer):
                return (
                    None,
                    [],
                    {"reason": "the answer cannot be Python source: it holds a NUL byte or a lone surrogate"},
                )
            # Extraction and ast.parse are linear but not free: a long answer is read in a bounded worker.
            try:
                program = await run_bounded(
                    build_program,
                    submission.answer,
                    prompt,
                    entry_point,
                    inline=len(submission.answer) <= BUILD_INLINE_CHARS,
                    what="reading the answer's code",
                )
            except OverBudget as exc:
                return None, [], {"reason": str(exc)}
            snap = Snapshot(files={f"{SOLUTION_MODULE}.py": program.source.encode()})
            return (
                snap,
                [{"file": "check.py", "name": task.id, "source": check}],
                {
                    "entry_point": entry_point,
                    "module": SOLUTION_MODULE,
                    "prelude": prompt,
                    "completion_form": program.form,
                },
            )
        hidden = task.private.get("hidden_tests")
        if not hidden:
            raise GraderError(f"task {task.id!r} has no private.hidden_tests for a project-kind grader")
        if sandbox is not None:
            snap = await take_snapshot(sandbox, python=self.cfg.python)
        else:
            files = dict(task.payload.get("files") or {})
            files.update(submission.files or {})
            snap = snapshot_from_files(files)
        tests = [{"file": name, "source": source} for name, source in sorted(hidden.items())]
        return snap, tests, {}

    def _verdict(self, result: Any, key: bytes, snap: Snapshot) -> Grade:
        line = next((ln for ln in reversed(result.stdout.splitlines()) if ln.startswith(MARKER + " ")), None)
        integrity = {
            "tamper_signals": snap.tamper_signals,
            "dropped_files": snap.dropped,
            "skipped_files": [list(s) for s in snap.skipped],
        }
        if line is None:
            if result.killed_by_signal or result.timed_out:
                # The harness was killed from inside (the only processes there are the solution's): a zero, flagged.
                return Grade(
                    reward=0.0,
                    passed=False,
                    details={
                        "tampered": True,
                        "reason": "the test harness was killed or timed out before reporting",
                        "exit_code": result.exit_code,
                        **integrity,
                    },
                )
            return Grade.grader_error(
                "the unit-test harness broke before reporting any result",
                exit_code=result.exit_code,
                stderr=result.stderr[-3000:],
            )
        body, _, mac = line[len(MARKER) + 1 :].rpartition(" ")
        expected = hashlib.blake2b(body.encode(), key=key, digest_size=32).hexdigest()
        if not hmac.compare_digest(mac, expected):
            return Grade(
                reward=0.0,
                passed=False,
                details={"tampered": True, "reason": "the result line was forged", **integrity},
            )
        record = ast.literal_eval(body)  # authentic: written by the harness, which only writes plain literals
        if record.get("harness_error"):
            return Grade.grader_error(
                "the hidden tests could not be run (harness error)", traceback=record["harness_error"]
            )
        tests = record["tests"]
        if not tests:
            return Grade.grader_error("no hidden tests were collected")
        passed = sum(1 for t in tests if t["outcome"] == "passed")
        all_passed = passed == len(tests)
        reward = float(all_passed) if self.cfg.mode == "binary" else passed / len(tests)
        components = [
            GradeComponent(
                name=t["name"],
                reward=1.0 if t["outcome"] == "passed" else 0.0,
                passed=t["outcome"] == "passed",
                weight=1.0,
            )
            for t in tests
        ]
        return Grade(
            reward=reward,
            passed=all_passed,
            components=components,
            details={
                "mode": self.cfg.mode,
                "passed": passed,
                "total": len(tests),
                "tests": tests,
                "harness_duration_s": record.get("duration_s"),
                **integrity,
            },
        )
