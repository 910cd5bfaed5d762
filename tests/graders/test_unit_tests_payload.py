"""``UnitTestsGrader.grade`` against a scripted grading sandbox: exactly what the trusted harness is
started with and sent (the two stdin frames, field by field), the per-grading key, the retries, and
every answer given without a sandbox (an empty or unreadable answer, nothing to grade, a task that
cannot be graded) with its message in full.

The harness itself runs in real sandboxes in test_unit_tests.py; here the sandbox decodes the frames
as BOOTSTRAP does and answers with a result line signed with the key it was sent, so each field the
grader sends is stated where a real harness would shrug it off (without ``workdir`` it takes its cwd,
without ``preload`` it only starts slower, an unread prelude shows only on a check that uses the
prompt's helpers)."""

from __future__ import annotations

import hashlib
import importlib.util
import marshal
import sys
import warnings
from importlib import resources
from typing import Any, Awaitable, Callable

import pytest

from envgym.kernel.bounded import OverBudget
from envgym.kernel.context import EnvContext
from envgym.protocol import Grade, Submission, Task
from envgym.protocol.errors import GraderError, SandboxError
from envgym.sandbox.base import ExecResult, Sandbox, SandboxSpec
from envgym_graders.code_extract import BUILD_INLINE_CHARS, build_program
from envgym_graders.unit_tests import grader as grader_module
from envgym_graders.unit_tests import preload
from envgym_graders.unit_tests.grader import BOOTSTRAP, MARKER, UnitTestsGrader

PROMPT = 'from typing import List\n\n\ndef total(xs: List[int]) -> int:\n    """Sum of xs."""\n'
BODY = "    import collections\n    return sum(collections.Counter(xs).elements())\n"
CHECK = "def check(candidate):\n    assert candidate([1, 2]) == 3\n"
PASSED = {"tests": [{"name": "total", "outcome": "passed"}], "harness_error": None, "duration_s": 0.1}

Answer = Callable[["Box", list[str], dict[str, Any]], Awaitable[ExecResult]]


def frames(stdin: bytes) -> list[Any]:
    """Decode stdin as BOOTSTRAP reads it: frames of an 8-byte little-endian length and a marshal dump."""
    out, at = [], 0
    while at < len(stdin):
        size = int.from_bytes(stdin[at : at + 8], "little")
        out.append(marshal.loads(stdin[at + 8 : at + 8 + size]))
        at += 8 + size
    assert at == len(stdin)
    return out


def signed(record: dict[str, Any], key: bytes) -> str:
    body = ascii(record)  # what the harness writes
    return f"{MARKER} {body} {hashlib.blake2b(body.encode(), key=key, digest_size=32).hexdigest()}"


async def harness_passes(box: Box, cmd: list[str], kw: dict[str, Any]) -> ExecResult:
    """A harness run that reports one passed test, signed with the key of the secret frame."""
    _, secret = frames(kw["stdin"])
    return ExecResult(0, "solution output\n" + signed(PASSED, secret["key"]) + "\n", "")


async def machinery_fails(box: Box, cmd: list[str], kw: dict[str, Any]) -> ExecResult:
    raise SandboxError("the sandbox machinery failed")


class Box(Sandbox):
    """A grading sandbox that records every command (with its stdin, timeout, cwd, env) and answers
    as ``answer`` says. The grader may only start the harness in it: no file is written or read."""

    def __init__(self, spec: SandboxSpec, answer: Answer) -> None:
        self.spec, self.answer = spec, answer
        self.calls: list[tuple[Any, dict[str, Any]]] = []
        self._closed = False

    async def exec(self, cmd: Any, *, stdin: Any = None, timeout: Any = None, cwd: Any = None, env: Any = None):
        kw = {"stdin": stdin, "timeout": timeout, "cwd": cwd, "env": env}
        self.calls.append((cmd, kw))
        return await self.answer(self, cmd, kw)

    async def write_file(self, path: str, data: str | bytes, mode: int = 0o644) -> None:
        raise AssertionError(f"the grader wrote {path!r}: hidden tests and solutions travel on stdin")

    async def read_file(self, path: str, max_bytes: int | None = None) -> bytes:
        raise AssertionError(f"the grader read {path!r}")

    async def close(self) -> None:
        self._closed = True

    @property
    def closed(self) -> bool:
        return self._closed


class Boxes(EnvContext):
    """A grading context whose sandboxes are ``Box``es, the n-th answering as ``answers[n]``."""

    def __init__(self, *answers: Answer, settings: dict[str, Any] | None = None) -> None:
        super().__init__(sandbox="process", settings=settings or {})
        self.answers = list(answers)
        self.boxes: list[Box] = []

    async def create_sandbox(self, spec: SandboxSpec | None = None, provider: str | None = None) -> Sandbox:
        assert spec is not None and provider is None
        box = Box(spec, self.answers[len(self.boxes)])
        self.boxes.append(box)
        return box

    def stdin(self, n: int = 0) -> bytes:
        ((_, kw),) = self.boxes[n].calls
        data: bytes = kw["stdin"]
        return data


def fn_task(payload: dict[str, Any] | None = None, private: dict[str, Any] | None = None) -> Task:
    return Task(
        id="total",
        suite="demo",
        prompt="total",
        payload={"entry_point": "total", "prompt": PROMPT} if payload is None else payload,
        private={"tests": CHECK} if private is None else private,
    )


def project_task() -> Task:
    return Task(
        id="calc",
        suite="demo",
        prompt="calc",
        payload={"files": {"calc.py": "import math\n", "README": "calc\n"}},
        private={"hidden_tests": {"test_z.py": "def test_z(project):\n    pass\n", "a_test.py": "X = 1\n"}},
    )


# --------------------------------------------------------------------------- how the harness is started


async def test_the_harness_starts_from_stdin_in_the_sandbox_workdir_with_the_time_it_may_take():
    """One new sandbox, its wall clock 30 s past all the tests' time; in it one command: the configured
    interpreter, isolated (-I -S), running BOOTSTRAP from the sandbox's workdir (where the harness lays
    the solution out), stopped 20 s past all the tests' time, with no environment of ours; then closed."""
    ctx = Boxes(harness_passes)
    grader = UnitTestsGrader(
        kind="function", total_timeout_s=50, python="/opt/py/bin/python3", sandbox={"workdir": "/srv/grading"}
    )
    grade = await grader.grade(fn_task(), Submission(answer=BODY), context=ctx)
    assert (grade.status, grade.reward, grade.passed) == ("ok", 1.0, True)
    [box] = ctx.boxes
    assert box.spec == SandboxSpec(wall_timeout_s=80.0, workdir="/srv/grading")
    [(cmd, kw)] = box.calls
    assert cmd == ["/opt/py/bin/python3", "-I", "-S", "-c", BOOTSTRAP]
    assert {k: v for k, v in kw.items() if k != "stdin"} == {"timeout": 70.0, "cwd": "/srv/grading", "env": None}
    assert box.closed


async def test_the_default_workdir_is_where_the_harness_starts():
    ctx = Boxes(harness_passes)
    await UnitTestsGrader(kind="function").grade(fn_task(), Submission(answer=BODY), context=ctx)
    [(_, kw)] = ctx.boxes[0].calls
    assert (kw["cwd"], kw["timeout"]) == ("/workspace", 140.0)


# --------------------------------------------------------------------------- what the harness is sent


def same_harness(public: dict[str, Any]) -> dict[str, Any]:
    """``public`` without the harness after checking it travels whole: its source, and its code compiled
    here for an interpreter with this bytecode (stated from harness.py, not from the grader's cache)."""
    source = resources.files("envgym_graders.unit_tests").joinpath("harness.py").read_text()
    rest = dict(public)
    assert rest.pop("harness") == source
    assert rest.pop("magic") == importlib.util.MAGIC_NUMBER
    assert marshal.loads(rest.pop("code")) == compile(source, "<envgym-harness>", "exec")
    return rest


async def test_the_public_frame_is_the_harness_and_the_standard_modules_to_preload_and_nothing_secret():
    """First frame (read before the harness forks the zygote the solution's workers come from): the
    harness, no workdir of ours (the harness takes its cwd) and the standard modules the solution and
    the prompt import, sorted. No key, test or solution file is in it."""
    ctx = Boxes(harness_passes)
    await UnitTestsGrader(kind="function").grade(fn_task(), Submission(answer=BODY), context=ctx)
    public, secret = frames(ctx.stdin())
    assert same_harness(public) == {"workdir": None, "preload": ["collections", "typing"]}
    dumped = marshal.dumps(public)
    assert secret["key"] not in dumped and CHECK.encode() not in dumped and b"Counter" not in dumped


async def test_the_prompt_imports_are_preloaded_even_when_the_answer_does_not_parse():
    """The solution file (the prompt and a broken body) cannot be read for imports; the prompt, sent as
    the prelude, still can."""
    ctx = Boxes(harness_passes)
    await UnitTestsGrader(kind="function").grade(fn_task(), Submission(answer="    return (\n"), context=ctx)
    public, _ = frames(ctx.stdin())
    assert public["preload"] == ["typing"]


async def test_the_secret_frame_of_a_function_task_holds_the_check_the_solution_and_the_limits():
    ctx = Boxes(harness_passes)
    grader = UnitTestsGrader(
        kind="function", test_timeout_s=1.5, total_timeout_s=50, max_result_bytes=1234, output_cap=77
    )
    await grader.grade(fn_task(), Submission(answer=BODY), context=ctx)
    _, secret = frames(ctx.stdin())
    assert len(secret["key"]) == 32
    assert secret == {
        "key": secret["key"],
        "kind": "function",
        "tests": [{"file": "check.py", "name": "total", "source": CHECK}],
        "files": {"solution.py": (PROMPT + BODY + "\n").encode()},  # the prompt completed by the body
        "call_timeout": 1.5,
        "total_timeout": 50.0,
        "max_result_bytes": 1234,
        "output_cap": 77,
        "entry_point": "total",
        "module": "solution",
        "prelude": PROMPT,  # the check may use the prompt's helpers (HumanEval's poly())
        "completion_form": "body",
    }


async def test_a_function_task_without_a_prompt_sends_an_empty_prelude_and_the_answer_alone():
    ctx = Boxes(harness_passes)
    answer = "def total(xs):\n    return sum(xs)\n"
    task = fn_task(payload={"entry_point": "total"})
    await UnitTestsGrader(kind="function").grade(task, Submission(answer=answer), context=ctx)
    public, secret = frames(ctx.stdin())
    assert (secret["prelude"], secret["completion_form"]) == ("", "full")
    assert secret["files"] == {"solution.py": b"\n\n" + answer.encode() + b"\n"}
    assert public["preload"] == []


async def test_the_secret_frame_of_a_project_task_holds_the_hidden_tests_by_file_name_and_the_files():
    """Hidden tests sorted by file name, each with its source and no name (the harness names each
    test_ function); the task's files with the submission's laid over them, as bytes; no extra field."""
    ctx = Boxes(harness_passes)
    submission = Submission(files={"calc.py": "import fractions\n", "conftest.py": "boom\n"})
    grade = await UnitTestsGrader(kind="project").grade(project_task(), submission, context=ctx)
    assert grade.details["dropped_files"] == ["conftest.py"]
    public, secret = frames(ctx.stdin())
    assert same_harness(public) == {"workdir": None, "preload": ["fractions"]}
    assert secret == {
        "key": secret["key"],
        "kind": "project",
        "tests": [
            {"file": "a_test.py", "source": "X = 1\n"},
            {"file": "test_z.py", "source": "def test_z(project):\n    pass\n"},
        ],
        "files": {"calc.py": b"import fractions\n", "README": b"calc\n"},
        "call_timeout": 10.0,
        "total_timeout": 120.0,
        "max_result_bytes": 4_000_000,
        "output_cap": 2000,
    }


@pytest.mark.parametrize("spare", [0, 1])
async def test_a_project_without_a_prelude_spends_its_whole_import_hint_budget_on_its_files(spare):
    """A project task has no prelude, and none of the preload budget goes to one: a file of exactly
    the budget is still read for imports; one byte more and the hint gives up (the budget's edge)."""
    head = "import fractions\n"
    source = head + "#" * (preload.MAX_SOURCE_BYTES - len(head) + spare)
    ctx = Boxes(harness_passes)
    await UnitTestsGrader(kind="project").grade(project_task(), Submission(files={"calc.py": source}), context=ctx)
    public, _ = frames(ctx.stdin())
    assert public["preload"] == ([] if spare else ["fractions"])


class EpisodeBox(Box):
    """The agent's sandbox: its processes can be killed, and its workspace walk answers one file."""

    def __init__(self) -> None:
        super().__init__(SandboxSpec(), self.walk)
        self.killed = False

    async def walk(self, box: Box, cmd: list[str], kw: dict[str, Any]) -> ExecResult:
        return ExecResult(0, '{"files": {"calc.py": "aW1wb3J0IGpzb24K"}, "later": [], "skipped": []}', "")

    async def kill_all(self) -> None:
        self.killed = True


async def test_the_episode_sandbox_is_read_with_the_configured_interpreter():
    episode = EpisodeBox()
    ctx = Boxes(harness_passes)
    grader = UnitTestsGrader(kind="project", python="/opt/py/bin/python3")
    grade = await grader.grade(project_task(), Submission(), sandbox=episode, context=ctx)
    assert grade.reward == 1.0 and episode.killed
    [(walk, _)] = episode.calls
    assert walk[:4] == ["/opt/py/bin/python3", "-I", "-S", "-c"]
    _, secret = frames(ctx.stdin())
    assert secret["files"] == {"calc.py": b"import json\n"}  # the episode's files, not the task's


# --------------------------------------------------------------------------- the key


async def test_each_grading_has_a_new_32_byte_key_and_only_a_line_signed_with_it_pays():
    ctx = Boxes(harness_passes, harness_passes)
    grader = UnitTestsGrader(kind="function")
    first = await grader.grade(fn_task(), Submission(answer=BODY), context=ctx)
    second = await grader.grade(fn_task(), Submission(answer=BODY), context=ctx)
    keys = [frames(ctx.stdin(n))[1]["key"] for n in (0, 1)]
    assert [len(k) for k in keys] == [32, 32] and keys[0] != keys[1]
    assert (first.reward, second.reward) == (1.0, 1.0)

    async def stale_key(box: Box, cmd: list[str], kw: dict[str, Any]) -> ExecResult:
        return ExecResult(0, signed(PASSED, keys[0]) + "\n", "")

    replayed = await grader.grade(fn_task(), Submission(answer=BODY), context=Boxes(stale_key))
    assert (replayed.reward, replayed.details["reason"]) == (0.0, "the result line was forged")


# --------------------------------------------------------------------------- retries


async def test_a_failing_sandbox_is_retried_in_a_new_one_with_the_same_payload():
    ctx = Boxes(machinery_fails, machinery_fails, harness_passes)
    grade = await UnitTestsGrader(kind="function").grade(fn_task(), Submission(answer=BODY), context=ctx)
    assert grade.reward == 1.0
    assert len(ctx.boxes) == 3 and all(box.closed for box in ctx.boxes)
    assert ctx.stdin(0) == ctx.stdin(1) == ctx.stdin(2)
    assert len({box.spec.model_dump_json() for box in ctx.boxes}) == 1


async def test_a_sandbox_failing_three_times_is_the_sandbox_error_a_grader_error_reports():
    ctx = Boxes(machinery_fails, machinery_fails, machinery_fails)
    with pytest.raises(SandboxError, match="the sandbox machinery failed"):
        await UnitTestsGrader(kind="function").grade(fn_task(), Submission(answer=BODY), context=ctx)
    assert len(ctx.boxes) == 3 and all(box.closed for box in ctx.boxes)


async def test_any_other_failure_is_not_retried():
    async def crashes(box: Box, cmd: list[str], kw: dict[str, Any]) -> ExecResult:
        raise RuntimeError("a bug")

    ctx = Boxes(crashes, harness_passes)
    with pytest.raises(RuntimeError, match="a bug"):
        await UnitTestsGrader(kind="function").grade(fn_task(), Submission(answer=BODY), context=ctx)
    assert len(ctx.boxes) == 1 and ctx.boxes[0].closed


# --------------------------------------------------------------------------- graded without a sandbox


def zero(reason: str) -> Grade:
    return Grade(reward=0.0, passed=False, details={"reason": reason})


@pytest.mark.parametrize("answer", [None, "", " \n\t"])
async def test_an_empty_answer_is_a_zero_saying_so(answer):
    ctx = Boxes()
    grade = await UnitTestsGrader(kind="function").grade(fn_task(), Submission(answer=answer), context=ctx)
    assert grade == zero("empty answer") and ctx.boxes == []


@pytest.mark.parametrize("junk", ["\x00", "\ud800"], ids=["nul", "surrogate"])
async def test_an_answer_that_cannot_be_source_is_a_zero_saying_why(junk):
    ctx = Boxes()
    grade = await UnitTestsGrader(kind="function").grade(fn_task(), Submission(answer=BODY + junk), context=ctx)
    assert grade == zero("the answer cannot be Python source: it holds a NUL byte or a lone surrogate")
    assert ctx.boxes == []


async def test_a_grading_with_nothing_to_grade_and_no_reason_says_nothing_to_grade():
    class NothingPrepared(UnitTestsGrader):
        async def _prepare(self, task, submission, sandbox):
            return None, [], {}

    ctx = Boxes()
    grade = await NothingPrepared(kind="project").grade(project_task(), Submission(), context=ctx)
    assert grade == zero("nothing to grade") and ctx.boxes == []


class ReadAnswer:
    """Stands for ``run_bounded``: records how the answer's code is read, then reads it here or
    fails as a worker over its CPU budget does (its message names what it was reading)."""

    def __init__(self, over_budget: bool = False) -> None:
        self.over_budget, self.calls = over_budget, []

    async def __call__(self, fn, *args, inline=False, what=None, **kwargs):
        self.calls.append({"fn": fn, "args": args, "inline": inline, "what": what, **kwargs})
        if self.over_budget:
            raise OverBudget(f"{what} used more than its budget of 5 CPU seconds and was stopped", 5.2, 5.0)
        return fn(*args, **kwargs)


@pytest.mark.parametrize("length,inline", [(BUILD_INLINE_CHARS, True), (BUILD_INLINE_CHARS + 1, False)])
async def test_an_answer_up_to_the_inline_size_is_read_here_a_longer_one_in_a_bounded_worker(
    monkeypatch, length, inline
):
    read = ReadAnswer()
    monkeypatch.setattr(grader_module, "run_bounded", read)
    answer = BODY + "#" * (length - len(BODY) - 1) + "\n"
    assert len(answer) == length
    grade = await UnitTestsGrader(kind="function").grade(
        fn_task(), Submission(answer=answer), context=Boxes(harness_passes)
    )
    assert grade.reward == 1.0
    assert read.calls == [
        {"fn": build_program, "args": (answer, PROMPT, "total"), "inline": inline, "what": "reading the answer's code"}
    ]


async def test_an_answer_too_costly_to_read_is_a_zero_with_the_workers_reason(monkeypatch):
    monkeypatch.setattr(grader_module, "run_bounded", ReadAnswer(over_budget=True))
    ctx = Boxes()
    grade = await UnitTestsGrader(kind="function").grade(fn_task(), Submission(answer=BODY), context=ctx)
    assert grade == zero("reading the answer's code used more than its budget of 5 CPU seconds and was stopped")
    assert ctx.boxes == []


# --------------------------------------------------------------------------- tasks that cannot be graded

FN_TASK_BROKEN = "unit_tests: task 'total' lacks payload.entry_point or private.tests for a function-kind grader"


@pytest.mark.parametrize(
    "payload,private",
    [
        ({"prompt": PROMPT}, {"tests": CHECK}),
        ({"entry_point": "total", "prompt": PROMPT}, {}),
        ({"entry_point": "", "prompt": PROMPT}, {"tests": CHECK}),
        ({"entry_point": "total", "prompt": PROMPT}, {"tests": ""}),
        ({"prompt": PROMPT}, {}),
    ],
    ids=["no-entry-point", "no-tests", "empty-entry-point", "empty-tests", "neither"],
)
async def test_a_function_task_missing_its_entry_point_or_its_check_is_a_grader_error_naming_both(payload, private):
    ctx = Boxes()
    grader = UnitTestsGrader(kind="function")
    with pytest.raises(GraderError) as raised:
        await grader.grade(fn_task(payload, private), Submission(answer=BODY), context=ctx)
    assert f"unit_tests: {raised.value.message}" == FN_TASK_BROKEN
    grade = await grader.safe_grade(fn_task(payload, private), Submission(answer=BODY), context=ctx)
    assert grade == Grade.grader_error(FN_TASK_BROKEN, code="grader_error")
    assert ctx.boxes == []


@pytest.mark.parametrize("private", [{}, {"hidden_tests": {}}], ids=["none", "empty"])
async def test_a_project_task_without_hidden_tests_is_a_grader_error_saying_so(private):
    task = project_task().model_copy(update={"private": private})
    ctx = Boxes()
    grade = await UnitTestsGrader(kind="project").safe_grade(task, Submission(), context=ctx)
    assert grade == Grade.grader_error(
        "unit_tests: task 'calc' has no private.hidden_tests for a project-kind grader", code="grader_error"
    )
    assert ctx.boxes == []


# --------------------------------------------------------------------------- the removed pool setting


POOL_WARNING = (
    "the unit_tests_pool setting was removed and is ignored: every grading gets a new sandbox "
    "(a reused one could carry state from one grading to the next; a new bwrap sandbox costs a fork)"
)


async def test_the_removed_pool_setting_is_a_user_warning_saying_why():
    ctx = Boxes(settings={"unit_tests_pool": 2})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        await UnitTestsGrader(kind="function").grade(fn_task(), Submission(answer=""), context=ctx)
    assert [(w.category, str(w.message)) for w in caught] == [(UserWarning, POOL_WARNING)]


class WarnedAt:
    """Stands for ``warnings.warn`` in the grader: records the file its ``stacklevel`` points at, counted
    as ``warnings.warn`` counts frames but past mutmut's trampolines (mutation testing wraps every
    function of the module in one, which would move the real warning's location by their frames)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def warn(self, message: str, category: type[Warning] | None = None, stacklevel: int = 1) -> None:
        frame = sys._getframe(1)
        for _ in range(stacklevel - 1):
            frame = frame.f_back
            while frame.f_globals.get("__name__", "").startswith("mutmut."):
                frame = frame.f_back
        self.calls.append((message, frame.f_code.co_filename))


async def test_the_removed_pool_setting_warning_points_at_the_code_that_called_grade(monkeypatch):
    """Where the operator's code asked for the grading (here, this file), not inside the grader."""
    warned = WarnedAt()
    monkeypatch.setattr(grader_module, "warnings", warned)
    ctx = Boxes(settings={"unit_tests_pool": 2})
    await UnitTestsGrader(kind="function").grade(fn_task(), Submission(answer=""), context=ctx)
    assert warned.calls == [(POOL_WARNING, __file__)]


# --------------------------------------------------------------------------- one real harness


async def test_the_check_sees_the_helpers_the_prompt_defines(ctx):
    """HumanEval's checks call helpers defined in the prompt (``poly`` for ``find_zero``): the harness
    runs the prompt, sent as the prelude, before the check. A real sandbox and harness."""
    prompt = 'def scale(x):\n    return 10 * x\n\n\ndef tenfold(x):\n    """Ten times x."""\n'
    check = "def check(candidate):\n    assert candidate(3) == scale(3)\n"
    task = fn_task(payload={"entry_point": "tenfold", "prompt": prompt}, private={"tests": check})
    grader = UnitTestsGrader(kind="function")
    grade = await grader.safe_grade(task, Submission(answer="    return scale(x)\n"), context=ctx)
    assert (grade.status, grade.reward) == ("ok", 1.0), grade
