"""coding/repo: task data, tools, visible tests only, hidden tests grade the workspace."""

import pytest

from envgym.agents.builtin import NopAgent, OracleAgent
from envgym.agents.loop import run_episode
from envgym.protocol import Action, Submission
from envgym_coding import CodingEnvironment, repo


def test_at_least_twenty_tasks_with_visible_hidden_and_reference():
    tasks = CodingEnvironment.tasks("repo")
    assert len(tasks) >= 20
    kinds = {t.metadata["category"] for t in tasks}
    assert kinds == {"bugfix", "feature"}
    for task in tasks:
        files = task.payload["files"]
        assert any(p.startswith("tests/test_") for p in files), task.id
        assert sum(p.endswith(".py") and not p.startswith("tests/") for p in files) >= 2, task.id
        # "a few hundred lines each": the project's own source, its tests not counted.
        source_lines = sum(
            content.count("\n") for p, content in files.items() if p.endswith(".py") and not p.startswith("tests/")
        )
        assert source_lines >= 250, (task.id, source_lines)
        assert task.private["hidden_tests"] and task.private["reference_patch"].startswith("--- a/")
        hidden_names = set(task.private["hidden_tests"])
        assert not hidden_names & set(files)
    assert next(s for s in CodingEnvironment.suites() if s.name == "repo").size == len(tasks)


async def test_tools_list_read_write_bash_and_visible_tests(ctx):
    task = CodingEnvironment.get_task("repo", "paginator-last-page")
    env = CodingEnvironment("repo", context=ctx)
    try:
        reset = await env.reset(task)
        assert [t.function.name for t in reset.observation.tools] == repo_tools()
        listing = (await env.step(Action.call("list_files"))).observation.messages[0].content.split()
        assert "pager/core.py" in listing and "tests/test_pager.py" in listing
        assert not any("hidden" in p for p in listing)
        src = (await env.step(Action.call("read_file", path="pager/core.py"))).observation.messages[0].content
        assert "def total_pages" in src
        missing = (await env.step(Action.call("read_file", path="nope.py"))).observation.messages[0].content
        assert missing.startswith("Error:")
        outside = (
            (await env.step(Action.call("read_file", path="/etc/../../proc/1/environ"))).observation.messages[0].content
        )
        assert outside.startswith("Error:")
        tests = (await env.step(Action.call("run_tests"))).observation.messages[0].content
        assert "9 passed" in tests
        bad = (await env.step(Action.call("run_tests", target="../hidden"))).observation.messages[0].content
        assert bad.startswith("Error:")
        await env.step(
            Action.call(
                "write_file",
                path="pager/core.py",
                content=src.replace(
                    "len(self.items) // self.per_page + 1", "max(1, -(-len(self.items) // self.per_page))"
                ),
            )
        )
        out = (
            (
                await env.step(
                    Action.call(
                        "bash",
                        command="/usr/bin/python3 -c 'from pager import Paginator; print(Paginator(list(range(20)), 10).total_pages)'",
                    )
                )
            )
            .observation.messages[0]
            .content
        )
        assert "--- stdout ---\n2\n" in out
        final = await env.step(Action.call("submit"))
    finally:
        await env.close()
    assert final.reward == 1.0 and final.info["status"] == "completed"
    assert final.grade.details["passed"] == final.grade.details["total"] == 8


def repo_tools():
    return ["bash", "read_file", "write_file", "list_files", "run_tests", "submit"]


async def test_fraction_mode_scores_exactly_the_share_of_hidden_tests(ctx):
    task = CodingEnvironment.get_task("repo", "duration-parser-units")
    env = CodingEnvironment("repo", context=ctx, options={"reward_mode": "fraction"})
    try:
        await env.reset(task)
        final = await env.step(Action.call("submit"))
    finally:
        await env.close()
    details = final.grade.details
    assert details["total"] == 4 and details["passed"] == 1
    assert final.reward == 0.25 and not final.grade.passed


async def test_turn_limit_grades_the_workspace_as_left(ctx):
    task = CodingEnvironment.get_task("repo", "paginator-last-page")
    env = CodingEnvironment("repo", context=ctx, options={"max_turns": 1})
    try:
        await env.reset(task)
        fix = "sed -i 's|len(self.items) // self.per_page + 1|max(1, -(-len(self.items) // self.per_page))|' pager/core.py"
        step = await env.step(Action.call("bash", command=fix))
    finally:
        await env.close()
    assert step.truncated and step.info["status"] == "truncated" and step.reward == 1.0


async def test_grade_submission_with_files_overlay(ctx):
    task = CodingEnvironment.get_task("repo", "slugify-accents")
    unchanged = await CodingEnvironment.grade_submission(task, Submission(files={}), ctx)
    assert unchanged.status == "ok" and unchanged.reward == 0.0


@pytest.mark.parametrize("task_id", ["lru-cache-recency", "todo-cli-tag-filter"])
async def test_oracle_patch_scores_one_and_nop_zero(ctx, task_id):
    task = CodingEnvironment.get_task("repo", task_id)
    oracle = await run_episode(CodingEnvironment("repo", context=ctx), OracleAgent(), task, CodingEnvironment)
    assert (oracle.status.value, oracle.reward) == ("completed", 1.0), oracle.error
    nop = await run_episode(CodingEnvironment("repo", context=ctx), NopAgent(), task, CodingEnvironment)
    assert (nop.status.value, nop.reward) == ("completed", 0.0)


def test_tasks_are_package_data_directories():
    dirs = repo.task_dirs()
    assert len(dirs) == len(CodingEnvironment.tasks("repo"))
    for d in dirs:
        assert d.joinpath("task.toml").is_file() and d.joinpath("solution.patch").is_file()
        assert d.joinpath("repo").is_dir() and d.joinpath("hidden").is_dir()
