"""The unit_tests grader: hidden tests in a fresh sandbox, binary and fraction rewards, per-test details,
harness breakage reported as grader_error."""

import pytest

from envgym.kernel.grader import get_grader
from envgym.protocol import GraderSpec, Submission, Task
from envgym.sandbox.base import ExecResult

ADD_PROMPT = 'def add(a, b):\n    """Return a + b."""\n'
ADD_CHECK = "def check(candidate):\n    assert candidate(2, 3) == 5\n    assert candidate(-1, 1) == 0\n    assert add(10, 5) == 15\n"


def fn_task(check=ADD_CHECK, prompt=ADD_PROMPT, entry="add"):
    return Task(
        id="add",
        suite="demo",
        prompt="add",
        payload={"entry_point": entry, "prompt": prompt},
        private={"tests": check},
        grader=GraderSpec(name="unit_tests", config={"kind": "function"}),
    )


async def grade_fn(ctx, answer, task=None, **config):
    grader = get_grader(GraderSpec(name="unit_tests", config={"kind": "function", **config}))
    return await grader.safe_grade(task or fn_task(), Submission(answer=answer), context=ctx)


@pytest.mark.parametrize(
    "answer,form",
    [
        ("    return a + b\n", "body"),
        ("return a + b", "body"),  # an unindented body is indented
        ("Sure:\n```python\ndef add(a, b):\n    return a + b\n```\n", "full"),
        ("```\nimport operator\ndef add(a, b):\n    return operator.add(a, b)\n```", "full"),
    ],
)
async def test_function_completion_forms_pass(ctx, answer, form):
    g = await grade_fn(ctx, answer)
    assert (g.status, g.reward, g.passed) == ("ok", 1.0, True), g
    assert g.details["tests"][0]["outcome"] == "passed"


async def test_wrong_function_scores_zero_with_the_failing_line(ctx):
    g = await grade_fn(ctx, "    return a - b\n")
    assert (g.status, g.reward, g.passed) == ("ok", 0.0, False)
    assert "candidate(2, 3) == 5" in g.details["tests"][0]["message"]


async def test_empty_answer_scores_zero_without_running_anything(ctx):
    g = await grade_fn(ctx, "   ")
    assert g.status == "ok" and g.reward == 0.0 and g.details["reason"] == "empty answer"
    assert g.passed is False


async def test_the_removed_pool_setting_warns_once_per_context_saying_why(ctx):
    import warnings

    from envgym.kernel.context import EnvContext

    asked = EnvContext(sandbox=ctx.sandbox, settings={"unit_tests_pool": 2})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        await grade_fn(asked, "   ")  # an empty answer: graded without a sandbox
        await grade_fn(asked, "   ")
        await grade_fn(ctx, "   ")  # a context without the setting
    assert [str(w.message) for w in caught] == [
        "the unit_tests_pool setting was removed and is ignored: every grading gets a new sandbox "
        "(a reused one could carry state from one grading to the next; a new bwrap sandbox costs a fork)"
    ]
    await asked.aclose()


# A NUL byte or a lone surrogate around a correct body (the control) is a wrong answer, not a crashed grader.
@pytest.mark.parametrize(
    "junk,reward", [("", 1.0), ("\x00", 0.0), ("\ud800", 0.0)], ids=["control", "nul", "surrogate"]
)
async def test_an_answer_that_is_not_source_text_scores_zero(ctx, junk, reward):
    g = await grade_fn(ctx, f"    return a + b  # {junk}\n")
    assert (g.status, g.reward) == ("ok", reward), g


async def test_infinite_loop_times_out_as_a_failed_test(ctx):
    g = await grade_fn(ctx, "    while True:\n        pass\n", test_timeout_s=1.5)
    assert g.status == "ok" and g.reward == 0.0
    assert g.details["tests"][0]["outcome"] == "timeout"


async def test_solution_output_is_kept_in_details(ctx):
    g = await grade_fn(ctx, "    print('debugging', a, b)\n    return a + b\n")
    assert g.reward == 1.0 and "debugging 2 3" in g.details["tests"][0]["output"]


PROJECT_FILES = {
    "calc/__init__.py": "",
    "calc/ops.py": "def double(x):\n    return x * 2\n\ndef half(x):\n    return x / 3\n\ndef neg(x):\n    return -x\n",
}
PROJECT_TESTS = {
    "test_ops.py": (
        "def test_double(project):\n    assert project.call('calc.ops:double', 4) == 8\n\n"
        "def test_half(project):\n    assert project.run('from calc.ops import half\\nresult = half(x)', x=9) == 4.5\n\n"
        "def test_neg(project):\n    assert project.call('calc.ops:neg', 3) == -3\n\n"
        "def test_error(project):\n    err = project.error('from calc.ops import double\\ndouble()')\n    assert err is not None and 'TypeError' in err.mro\n"
    )
}


def project_task(tests=PROJECT_TESTS, files=PROJECT_FILES):
    return Task(
        id="calc",
        suite="demo",
        prompt="fix half",
        payload={"files": files},
        private={"hidden_tests": tests},
        grader=GraderSpec(name="unit_tests", config={"kind": "project"}),
    )


async def grade_project(ctx, submission=None, task=None, **config):
    grader = get_grader(GraderSpec(name="unit_tests", config={"kind": "project", **config}))
    return await grader.safe_grade(task or project_task(), submission or Submission(), context=ctx)


async def test_fraction_mode_scores_exactly_the_share_passed(ctx):
    g = await grade_project(ctx, mode="fraction")
    assert g.status == "ok" and g.reward == 0.75 and not g.passed
    outcomes = {t["name"]: t["outcome"] for t in g.details["tests"]}
    assert outcomes == {
        "test_ops.py::test_double": "passed",
        "test_ops.py::test_half": "failed",
        "test_ops.py::test_neg": "passed",
        "test_ops.py::test_error": "passed",
    }
    assert [c.reward for c in g.components] == [1.0, 0.0, 1.0, 1.0]


async def test_binary_mode_one_failure_scores_zero(ctx):
    assert (await grade_project(ctx, mode="binary")).reward == 0.0
    fixed = Submission(files={"calc/ops.py": PROJECT_FILES["calc/ops.py"].replace("x / 3", "x / 2")})
    g = await grade_project(ctx, fixed, mode="binary")
    assert (g.reward, g.passed, g.details["passed"], g.details["total"]) == (1.0, True, 4, 4)


async def test_non_plain_results_never_reach_the_tests(ctx):
    files = {
        **PROJECT_FILES,
        "calc/ops.py": "class Yes:\n    def __eq__(self, other):\n        return True\n\ndef double(x):\n    return Yes()\n",
    }
    g = await grade_project(ctx, Submission(files=files), mode="fraction")
    double = next(t for t in g.details["tests"] if t["name"].endswith("test_double"))
    assert double["outcome"] == "failed" and "plain data" in double["message"]


@pytest.mark.parametrize(
    "tests,needle",
    [
        ({"test_x.py": "def test_a(project):\n    assert (\n"}, "SyntaxError"),
        ({"test_x.py": "X = 1\n"}, "defines no test_ functions"),
    ],
)
async def test_broken_hidden_tests_are_grader_errors(ctx, tests, needle):
    g = await grade_project(ctx, task=project_task(tests=tests))
    assert g.status == "grader_error" and needle in g.details["traceback"]


async def test_missing_interpreter_is_grader_error(ctx):
    g = await grade_fn(ctx, "    return a + b\n", python="/usr/bin/no-such-python")
    assert g.status == "grader_error"


async def test_task_without_hidden_tests_is_grader_error(ctx):
    g = await grade_project(ctx, task=Task(id="x", suite="demo", prompt="x"))
    assert g.status == "grader_error" and "hidden_tests" in g.error


async def test_episode_sandbox_snapshot_drops_symlinks_and_startup_hooks(ctx):
    box = await ctx.create_sandbox()
    try:
        for rel, content in PROJECT_FILES.items():
            await box.write_file(rel, content)
        await box.write_file("conftest.py", "raise SystemExit('conftest ran')\n")
        await box.write_file("calc/evil.pth", "import os\n")
        result = await box.exec("ln -s /etc/hostname calc/link.py && (sleep 30 &)", timeout=10)
        assert result.exit_code == 0
        grader = get_grader(GraderSpec(name="unit_tests", config={"kind": "project", "mode": "fraction"}))
        g = await grader.safe_grade(project_task(), Submission(), sandbox=box, context=ctx)
    finally:
        await box.close()
    assert g.status == "ok" and g.reward == 0.75
    assert set(g.details["dropped_files"]) == {"conftest.py", "calc/evil.pth"}
    assert [s[0] for s in g.details["skipped_files"]] == ["calc/link.py"]
    assert any("calc/link.py" in s for s in g.details["tamper_signals"])


async def test_grade_sync_facade():
    from envgym.kernel.context import EnvContext

    grader = get_grader("unit_tests", kind="function")
    g = grader.grade_sync(fn_task(), Submission(answer="    return a + b\n"), context=EnvContext(sandbox="process"))
    assert g.reward == 1.0


async def test_the_removed_pool_setting_warns_and_every_grading_gets_a_new_sandbox(ctx):
    from envgym.kernel.context import EnvContext

    asked = EnvContext(sandbox=ctx.sandbox, settings={"unit_tests_pool": 2})
    plant = (
        "import os\nfor p in ['/tmp/planted', 'planted.py', os.path.expanduser('~/planted')]:\n    open(p, 'w').write('x')\n"
        "def add(a, b):\n    return a + b\n"
    )
    probe = (
        "import os\ndef add(a, b):\n    left = [p for p in ['/tmp/planted', 'planted.py', os.path.expanduser('~/planted')] if os.path.exists(p)]\n"
        "    return a + b if not left else left\n"
    )
    with pytest.warns(UserWarning, match="unit_tests_pool"):
        assert (await grade_fn(asked, f"```python\n{plant}```")).reward == 1.0
    second = await grade_fn(asked, f"```python\n{probe}```")
    assert second.reward == 1.0, second.details  # nothing the first solution wrote is there
    await asked.aclose()


# --------------------------------------------------------------------------- the verdict itself


def _harness_line(record: dict, key: bytes, mac: str | None = None) -> ExecResult:
    import hashlib

    body = ascii(record)
    mac = mac if mac is not None else hashlib.blake2b(body.encode(), key=key, digest_size=32).hexdigest()
    return ExecResult(exit_code=0, stdout=f"noise\nENVGYM-RESULT {body} {mac}\n", stderr="")


PASSING = {"tests": [{"name": "t", "outcome": "passed"}], "harness_error": None}


def _verdict(result, key: bytes, mode: str = "binary"):
    from envgym_graders.unit_tests.grader import UnitTestsGrader
    from envgym_graders.unit_tests.snapshot import Snapshot

    return UnitTestsGrader(kind="function", mode=mode)._verdict(result, key, Snapshot())


def test_verdict_pays_only_a_result_line_signed_with_this_gradings_key():
    key, other = b"k" * 32, b"o" * 32
    assert _verdict(_harness_line(PASSING, key), key).reward == 1.0  # control: the authentic line
    for forged in (
        _harness_line(PASSING, other),
        _harness_line(PASSING, key, mac="0" * 64),
        _harness_line(PASSING, key, mac=""),
    ):
        grade = _verdict(forged, key)
        assert (grade.status, grade.reward, grade.details.get("tampered")) == ("ok", 0.0, True), grade


@pytest.mark.parametrize("mode", ["binary", "fraction"])
def test_verdict_with_no_hidden_test_run_is_an_error_never_a_pass(mode):
    key = b"k" * 32
    grade = _verdict(_harness_line({"tests": [], "harness_error": None}, key), key, mode)
    assert grade.status == "grader_error" and grade.reward == 0.0 and "no hidden tests" in grade.error


async def test_a_zygote_the_solution_killed_is_scored_not_a_harness_error(ctx):
    """The first test's first solution process kills the zygote its processes are forked from: the
    test's next call cannot get a process. That is the solution's doing (scored 0, with the reason),
    not a broken grading sandbox (which is what a first fork failing before any solution code ran means)."""
    files = {
        "m.py": "import os, signal\ndef kill_zygote():\n    os.kill(os.getppid(), signal.SIGKILL)\n    os._exit(0)\n"
        "def one():\n    return 1\n"
    }
    tests = {
        "test_m.py": "def test_a(project):\n    try:\n        project.call('m:kill_zygote')\n    except RemoteError:\n"
        "        pass\n    assert project.call('m:one') == 1\n"
    }
    g = await grade_project(ctx, task=project_task(tests=tests, files=files))
    assert (g.status, g.reward) == ("ok", 0.0), g
    assert g.details["tests"][0]["outcome"] == "error" and "zygote" in g.details["tests"][0]["message"]


async def test_an_interpreter_with_other_bytecode_compiles_the_harness_source(ctx, monkeypatch):
    """The harness travels as source and as code compiled on the host; a sandbox interpreter whose
    bytecode differs (another MAGIC_NUMBER) must use the source."""
    from envgym_graders.unit_tests import grader as grader_module

    real = grader_module._harness()
    monkeypatch.setattr(grader_module, "_harness", lambda: {**real, "magic": b"\0\0\r\n", "code": b"not code"})
    assert (await grade_fn(ctx, "    return a + b\n")).reward == 1.0


class FlakySandboxes:
    """A grading context whose first ``failures`` sandbox creations fail as the machinery would
    (``SandboxError``); it records the spec of every creation and delegates the rest to ``real``."""

    def __init__(self, real, failures):
        self.real, self.failures, self.specs = real, failures, []
        self.settings = real.settings

    def setting(self, *args, **kwargs):
        return self.real.setting(*args, **kwargs)

    async def create_sandbox(self, spec=None, provider=None):
        from envgym.protocol.errors import SandboxError

        self.specs.append(spec)
        if len(self.specs) <= self.failures:
            raise SandboxError("the sandbox machinery failed")
        return await self.real.create_sandbox(spec, provider)


@pytest.mark.parametrize("failures,status", [(2, "ok"), (3, "grader_error")])
async def test_sandbox_failures_are_retried_three_times_in_all_then_a_grader_error(ctx, failures, status):
    flaky = FlakySandboxes(ctx, failures)
    g = await grade_fn(flaky, "    return a + b\n", total_timeout_s=50, sandbox={"memory_mb": 300})
    assert g.status == status and len(flaky.specs) == 3
    assert (g.reward, g.passed) == ((1.0, True) if status == "ok" else (0.0, False))
    # every attempt's sandbox: wall clock past the total test timeout, the configured overrides applied
    assert {(s.wall_timeout_s, s.memory_mb) for s in flaky.specs} == {(80.0, 300)}
