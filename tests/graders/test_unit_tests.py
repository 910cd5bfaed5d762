"""The unit_tests grader: hidden tests in a fresh sandbox, binary and fraction rewards, per-test details,
harness breakage reported as grader_error."""

import pytest

from envgym.grader import get_grader
from envgym.protocol import GraderSpec, Submission, Task

ADD_PROMPT = 'def add(a, b):\n    """Return a + b."""\n'
ADD_CHECK = "def check(candidate):\n    assert candidate(2, 3) == 5\n    assert candidate(-1, 1) == 0\n    assert add(10, 5) == 15\n"


def fn_task(check=ADD_CHECK, prompt=ADD_PROMPT, entry="add"):
    return Task(id="add", suite="demo", prompt="add", payload={"entry_point": entry, "prompt": prompt},
                private={"tests": check}, grader=GraderSpec(name="unit_tests", config={"kind": "function"}))


async def grade_fn(ctx, answer, task=None, **config):
    grader = get_grader(GraderSpec(name="unit_tests", config={"kind": "function", **config}))
    return await grader.safe_grade(task or fn_task(), Submission(answer=answer), context=ctx)


@pytest.mark.parametrize("answer,form", [
    ("    return a + b\n", "body"),
    ("return a + b", "body"),  # an unindented body is indented
    ("Sure:\n```python\ndef add(a, b):\n    return a + b\n```\n", "full"),
    ("```\nimport operator\ndef add(a, b):\n    return operator.add(a, b)\n```", "full"),
])
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


async def test_infinite_loop_times_out_as_a_failed_test(ctx):
    g = await grade_fn(ctx, "    while True:\n        pass\n", test_timeout_s=1.5)
    assert g.status == "ok" and g.reward == 0.0
    assert g.details["tests"][0]["outcome"] == "timeout"


async def test_solution_output_is_kept_in_details(ctx):
    g = await grade_fn(ctx, "    print('debugging', a, b)\n    return a + b\n")
    assert g.reward == 1.0 and "debugging 2 3" in g.details["tests"][0]["output"]


PROJECT_FILES = {"calc/__init__.py": "", "calc/ops.py": "def double(x):\n    return x * 2\n\ndef half(x):\n    return x / 3\n\ndef neg(x):\n    return -x\n"}
PROJECT_TESTS = {"test_ops.py": (
    "def test_double(project):\n    assert project.call('calc.ops:double', 4) == 8\n\n"
    "def test_half(project):\n    assert project.run('from calc.ops import half\\nresult = half(x)', x=9) == 4.5\n\n"
    "def test_neg(project):\n    assert project.call('calc.ops:neg', 3) == -3\n\n"
    "def test_error(project):\n    err = project.error('from calc.ops import double\\ndouble()')\n    assert err is not None and 'TypeError' in err.mro\n")}


def project_task(tests=PROJECT_TESTS, files=PROJECT_FILES):
    return Task(id="calc", suite="demo", prompt="fix half", payload={"files": files}, private={"hidden_tests": tests},
                grader=GraderSpec(name="unit_tests", config={"kind": "project"}))


async def grade_project(ctx, submission=None, task=None, **config):
    grader = get_grader(GraderSpec(name="unit_tests", config={"kind": "project", **config}))
    return await grader.safe_grade(task or project_task(), submission or Submission(), context=ctx)


async def test_fraction_mode_scores_exactly_the_share_passed(ctx):
    g = await grade_project(ctx, mode="fraction")
    assert g.status == "ok" and g.reward == 0.75 and not g.passed
    outcomes = {t["name"]: t["outcome"] for t in g.details["tests"]}
    assert outcomes == {"test_ops.py::test_double": "passed", "test_ops.py::test_half": "failed",
                        "test_ops.py::test_neg": "passed", "test_ops.py::test_error": "passed"}
    assert [c.reward for c in g.components] == [1.0, 0.0, 1.0, 1.0]


async def test_binary_mode_one_failure_scores_zero(ctx):
    assert (await grade_project(ctx, mode="binary")).reward == 0.0
    fixed = Submission(files={"calc/ops.py": PROJECT_FILES["calc/ops.py"].replace("x / 3", "x / 2")})
    g = await grade_project(ctx, fixed, mode="binary")
    assert (g.reward, g.passed, g.details["passed"], g.details["total"]) == (1.0, True, 4, 4)


async def test_non_plain_results_never_reach_the_tests(ctx):
    files = {**PROJECT_FILES, "calc/ops.py": "class Yes:\n    def __eq__(self, other):\n        return True\n\ndef double(x):\n    return Yes()\n"}
    g = await grade_project(ctx, Submission(files=files), mode="fraction")
    double = next(t for t in g.details["tests"] if t["name"].endswith("test_double"))
    assert double["outcome"] == "failed" and "plain data" in double["message"]


@pytest.mark.parametrize("tests,needle", [
    ({"test_x.py": "def test_a(project):\n    assert (\n"}, "SyntaxError"),
    ({"test_x.py": "X = 1\n"}, "defines no test_ functions"),
])
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
    from envgym.context import EnvContext
    grader = get_grader("unit_tests", kind="function")
    g = grader.grade_sync(fn_task(), Submission(answer="    return a + b\n"), context=EnvContext(sandbox="process"))
    assert g.reward == 1.0


async def test_opt_in_pool_reuses_a_cleaned_sandbox(ctx):
    from envgym.context import EnvContext
    from envgym_graders.unit_tests.grader import GradingPool

    pooled = EnvContext(sandbox=ctx.sandbox, settings={"unit_tests_pool": 1})
    plant = ("import os\nfor p in ['/tmp/planted', 'planted.py', os.path.expanduser('~/planted')]:\n    open(p, 'w').write('x')\n"
             "def add(a, b):\n    return a + b\n")
    probe = ("import os\ndef add(a, b):\n    left = [p for p in ['/tmp/planted', 'planted.py', os.path.expanduser('~/planted')] if os.path.exists(p)]\n"
             "    return a + b if not left else left\n")
    first = await grade_fn(pooled, f"```python\n{plant}```")
    pool = GradingPool.of(pooled)
    assert first.reward == 1.0 and len(pool.idle) == 1
    box = pool.idle[0][1]
    second = await grade_fn(pooled, f"```python\n{probe}```")
    assert second.reward == 1.0, second.details  # nothing the first solution wrote survived
    assert pool.idle[0][1] is box  # the same sandbox served both gradings
    await pool.aclose()
    assert box.closed and GradingPool.of(EnvContext(sandbox=ctx.sandbox)) is None
