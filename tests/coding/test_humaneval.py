"""coding/humaneval and coding/humaneval-tools: tasks, answer reading, tools, grading, oracle and nop."""

import pytest

from envgym.agents.builtin import NopAgent, OracleAgent
from envgym.agents.loop import run_episode
from envgym.protocol import Action, Submission
from envgym_coding import CodingEnvironment
from envgym_graders.code_extract import build_program, extract_code


def test_all_164_problems_in_both_suites():
    for suite in ("humaneval", "humaneval-tools"):
        tasks = CodingEnvironment.tasks(suite)
        assert len(tasks) == 164 and len({t.id for t in tasks}) == 164
        assert tasks[0].metadata["source_id"] == "HumanEval/0"
    assert [t.function.name for t in CodingEnvironment.tools("humaneval-tools")] == ["run_python", "submit"]
    assert CodingEnvironment.tools("humaneval") == []


@pytest.mark.parametrize(
    "answer,code",
    [
        ("plain text", "plain text"),
        ("a\n```python\nx = 1\n```\nb\n```python\nx = 2\n```\n", "x = 2\n"),
        ("```py\nx = 1\n```\n```bash\nls\n```", "x = 1\n"),
        ("```\nx = 3\n```\n```bash\nls\n```", "x = 3\n"),
        ("```bash\nls\n```", "ls\n"),
    ],
)
def test_code_extraction_rules(answer, code):
    assert extract_code(answer) == code


def test_full_function_and_body_forms():
    prompt = 'from typing import List\n\ndef f(xs: List[int]) -> int:\n    """doc"""\n'
    assert build_program("    return sum(xs)", prompt, "f").form == "body"
    full = build_program("```python\ndef f(xs):\n    return sum(xs)\n```", prompt, "f")
    assert full.form == "full" and full.source.startswith(prompt)
    assert build_program("def helper():\n    pass\n", prompt, "f").form == "body"


@pytest.mark.parametrize("task_id", ["HumanEval-0", "HumanEval-32", "HumanEval-38"])
async def test_single_turn_oracle_scores_one_and_nop_zero(ctx, task_id):
    task = CodingEnvironment.get_task("humaneval", task_id)
    oracle = await run_episode(CodingEnvironment("humaneval", context=ctx), OracleAgent(), task, CodingEnvironment)
    assert (oracle.status.value, oracle.reward) == ("completed", 1.0)
    assert oracle.grade.details["tests"][0]["outcome"] == "passed"
    nop = await run_episode(CodingEnvironment("humaneval", context=ctx), NopAgent(), task, CodingEnvironment)
    assert (nop.status.value, nop.reward) == ("completed", 0.0)


async def test_multi_turn_run_see_output_fix_and_submit(ctx):
    task = CodingEnvironment.get_task("humaneval-tools", "HumanEval-2")  # truncate_number
    env = CodingEnvironment("humaneval-tools", context=ctx)
    try:
        reset = await env.reset(task)
        assert [t.function.name for t in reset.observation.tools] == ["run_python", "submit"]
        buggy = task.payload["prompt"] + "    return int(number)\n"
        step = await env.step(
            Action.call(
                "run_python",
                code=buggy + "print(truncate_number(3.5))\nimport sys\nsys.stderr.write('warn\\n')\nsys.exit(3)\n",
            )
        )
        text = step.observation.messages[0].content
        assert not step.done and "exit code: 3" in text and "\n3\n" in text and "warn" in text
        step = await env.step(Action.call("run_python", code="while True: pass", timeout=1))
        assert "timed out" in step.observation.messages[0].content
        step = await env.step(Action.call("run_python", code="print(input())", stdin="hello"))
        assert "hello" in step.observation.messages[0].content
        step = await env.step(Action.call("run_python", code=123))
        assert step.observation.messages[0].content.startswith("Error:")
        fixed = task.payload["prompt"] + "    return number % 1.0\n"
        final = await env.step(Action.call("submit", code=fixed))
    finally:
        await env.close()
    assert final.terminated and final.reward == 1.0 and final.info["status"] == "completed"
    assert final.grade.details["tests"][0]["outcome"] == "passed"


async def test_multi_turn_plain_text_is_an_error_observation_and_turn_limit_truncates(ctx):
    task = CodingEnvironment.get_task("humaneval-tools", "HumanEval-0")
    env = CodingEnvironment("humaneval-tools", context=ctx, options={"max_turns": 2})
    try:
        await env.reset(task)
        step = await env.step("```python\nprint(1)\n```")
        assert not step.done and "call one of the tools" in step.observation.messages[0].content
        step = await env.step(Action.call("run_python", code="print(1)"))
        assert step.truncated and step.info["status"] == "truncated" and step.reward == 0.0
    finally:
        await env.close()


async def test_grade_submission_without_an_episode(ctx):
    task = CodingEnvironment.get_task("humaneval", "HumanEval-4")
    good = await CodingEnvironment.grade_submission(task, Submission(answer=task.private["canonical_solution"]), ctx)
    bad = await CodingEnvironment.grade_submission(task, Submission(answer="    return 0.0\n"), ctx)
    assert (good.reward, bad.reward, bad.status) == (1.0, 0.0, "ok")


async def test_fraction_reward_mode_is_accepted_and_bad_mode_rejected(ctx):
    from envgym.protocol.errors import InvalidRequest

    with pytest.raises(InvalidRequest):
        CodingEnvironment("humaneval", context=ctx, options={"reward_mode": "partial"})
    env = CodingEnvironment("humaneval", context=ctx, options={"reward_mode": "fraction"})
    await env.reset(CodingEnvironment.get_task("humaneval", "HumanEval-0"))
    assert (await env.step("    return True\n")).reward == 0.0
    await env.close()
