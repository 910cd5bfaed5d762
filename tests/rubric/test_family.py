"""The rubric family: suites, task rules, full episodes against the stand-in judge over HTTP."""

from __future__ import annotations

import statistics
import subprocess

import pytest
from rubric_helpers import context_for

from envgym.agents.builtin import NopAgent, OracleAgent
from envgym.agents.loop import run_episode
from envgym.kernel.families import resolve
from envgym.protocol import EpisodeStatus
from envgym_graders.rubric.checks import check_text
from envgym_graders.rubric.model import CriterionVerdict, LlmCriterion, PythonCriterion, Rubric, score
from envgym_graders.rubric.templates import build_messages
from envgym_rubric.family import RubricEnvironment, SuiteFileError, build_task
from envgym_rubric.standin_judge import decide, key_term_groups

SUITES = ["explanation", "summarisation", "technical-writing", "planning", "safety-advice"]


def all_tasks():
    return [t for s in RubricEnvironment.suites() for t in RubricEnvironment.tasks(s.name)]


def test_suites_and_task_rules():
    assert [s.name for s in RubricEnvironment.suites()] == SUITES
    tasks = all_tasks()
    assert len(tasks) >= 40
    for task in tasks:
        rubric = Rubric.model_validate(task.private["rubric"])
        kinds = {c.kind for c in rubric.criteria}
        assert 4 <= len(rubric.criteria) <= 10, task.id
        assert "llm" in kinds and kinds - {"llm"}, task.id
        assert task.private["reference"].strip() and task.grader.name == "rubric"
        # nothing that decides the reward is public
        public = task.public().model_dump_json()
        assert task.private["reference"][:60] not in public
        assert set(task.public().model_dump()) == {"id", "suite", "prompt", "metadata"}
        assert not any(c.weight < 0 and c.kind == "llm" and c.description in public for c in rubric.criteria), task.id
    kinds = {c.kind for t in tasks for c in Rubric.model_validate(t.private["rubric"]).criteria}
    assert kinds == {"llm", "contains", "regex", "max_words", "json_schema", "python"}
    assert resolve("rubric/planning.study-plan").task_id == "study-plan"


def test_bad_suite_entries_are_rejected():
    base = {
        "id": "x",
        "prompt": "p",
        "reference": "r",
        "criteria": [
            {"kind": "llm", "description": "d", "terms": ["a"]},
            {"kind": "contains", "value": "a", "description": "d"},
            {"kind": "llm", "description": "e", "terms": ["b"]},
            {"kind": "max_words", "max_words": 9, "description": "d"},
        ],
    }
    assert build_task("planning", base).id == "x"
    with pytest.raises(SuiteFileError, match="4-10"):
        build_task("planning", {**base, "criteria": base["criteria"][:3]})
    with pytest.raises(SuiteFileError, match="mix"):
        build_task("planning", {**base, "criteria": [c for c in base["criteria"] if c["kind"] == "llm"] * 2})
    with pytest.raises(SuiteFileError, match="reference"):
        build_task("planning", {**base, "reference": " "})
    with pytest.raises(SuiteFileError, match="may not contain"):
        build_task("planning", {**base, "id": "a.b"})


def _standin_reward(task, answer: str) -> float:
    """The reward the stand-in would give, computed in-process (no HTTP) for rubric-quality checks."""
    rubric = Rubric.model_validate(task.private["rubric"])
    verdicts = []
    for c in rubric.criteria:
        if isinstance(c, LlmCriterion):
            met = decide({"messages": build_messages(task.prompt, c.description, c.terms, answer)}).endswith(
                "VERDICT: MET"
            )
        elif isinstance(c, PythonCriterion):
            met = (
                subprocess.run(
                    ["/usr/bin/python3", "-I", "-c", c.code], input=answer, text=True, capture_output=True
                ).returncode
                == 0
            )
        else:
            met = check_text(c, answer).met
        verdicts.append(CriterionVerdict(c.id, met))
    return score(verdicts, rubric).reward


def test_references_contain_every_key_term_and_no_forbidden_one():
    # Why references earn all points with the stand-in: not just half the terms (its threshold), all of them.
    for task in all_tasks():
        reference = task.private["reference"]
        for c in Rubric.model_validate(task.private["rubric"]).llm_criteria:
            reply = decide({"messages": build_messages(task.prompt, c.description, c.terms, reference)})
            groups = key_term_groups(
                build_messages(task.prompt, c.description, c.terms, "x")[1]["content"]
                .split("<criterion>\n")[1]
                .split("\n</criterion>")[0]
            )
            assert len(groups) == len(c.terms)
            if c.weight > 0:
                assert "Missing: none." in reply, (task.id, c.id, reply)
            else:
                assert "Found: none." in reply, (task.id, c.id, reply)


def test_off_topic_answers_score_low():
    # A rubric that any fluent text satisfies would be useless: another task's reference must score low.
    tasks = all_tasks()
    rewards = [_standin_reward(t, tasks[(i + 7) % len(tasks)].private["reference"]) for i, t in enumerate(tasks)]
    assert statistics.mean(rewards) < 0.15 and max(rewards) < 0.5


async def test_episode_with_standin_judge(standin):
    ctx = context_for(standin.base_url)
    task = RubricEnvironment.get_task("explanation", "tcp-handshake")
    env = RubricEnvironment("explanation", context=ctx)
    reset = await env.reset(task)
    assert reset.observation.messages[0].content == task.prompt
    result = await env.step(
        "SYN, SYN-ACK, ACK: the client and server exchange initial sequence numbers and acknowledge them."
    )
    assert result.terminated and result.info["status"] == "completed"
    grade = result.grade
    assert 0 < grade.reward < 1 and {c.name for c in grade.components} >= {
        "three-messages",
        "length",
        "no-udp-confusion",
    }
    await env.close()
    await ctx.aclose()


# A lone surrogate in the answer (the control: the same answer without it) is judged like the rest of the text.
@pytest.mark.parametrize("junk", ["", "\ud800"], ids=["control", "lone-surrogate"])
async def test_an_answer_with_a_lone_surrogate_is_judged(standin, junk):
    ctx = context_for(standin.base_url)
    task = RubricEnvironment.get_task("explanation", "tcp-handshake")
    record = await run_episode(RubricEnvironment("explanation", context=ctx), OracleAgent(), task, RubricEnvironment)
    env = RubricEnvironment("explanation", context=ctx)
    await env.reset(task)
    result = await env.step(task.private["reference"] + junk)
    assert result.info["status"] == "completed" and result.reward == record.reward == 1.0, result.info
    await env.close()
    await ctx.aclose()


@pytest.mark.parametrize("failure", ["down", "slow", "garbage"])
async def test_episode_with_failing_judge_is_grader_error(failure, dead_url, scripted_judge):
    from envgym.testing.openai_server import Reply, chat_response

    if failure == "down":
        url, expected = dead_url, "unreachable"
    elif failure == "slow":
        url, expected = (
            scripted_judge(lambda body: Reply(body=chat_response("VERDICT: MET"), delay=1.0)).base_url,
            "timed out",
        )
    else:
        url, expected = scripted_judge(lambda body: "Looks good to me!").base_url, "unparseable verdict"
    ctx = context_for(url, **{"rubric.judge_attempts": 2, "rubric.judge_timeout_s": 0.2})
    task = RubricEnvironment.get_task("planning", "study-plan")
    record = await run_episode(RubricEnvironment("planning", context=ctx), OracleAgent(), task, RubricEnvironment)
    assert record.status is EpisodeStatus.grader_error and record.reward == 0.0
    assert expected in record.grade.error and record.grade.status == "grader_error"
    await ctx.aclose()


async def test_every_task_oracle_scores_one_and_nop_zero_over_http(standin):
    """The whole family end to end: real HTTP to the stand-in, python checks in sandboxes."""
    ctx = context_for(standin.base_url)
    before = len(standin.requests)
    llm_total = 0
    for task in all_tasks():
        llm_total += len(Rubric.model_validate(task.private["rubric"]).llm_criteria)
        oracle = await run_episode(RubricEnvironment(task.suite, context=ctx), OracleAgent(), task, RubricEnvironment)
        nop = await run_episode(RubricEnvironment(task.suite, context=ctx), NopAgent(), task, RubricEnvironment)
        assert (oracle.status, oracle.reward) == (EpisodeStatus.completed, 1.0), (task.id, oracle.grade)
        assert (nop.status, nop.reward) == (EpisodeStatus.completed, 0.0), (task.id, nop.grade)
        assert nop.grade.details["degenerate"] == "empty"
    assert len(standin.requests) - before == llm_total  # nop answers never reached the judge
    await ctx.aclose()


def test_conformance_kit_passes_with_standin(standin):
    """What ``envgym check rubric --set rubric.judge_base_url=...`` runs (two tasks per suite here;
    the test above covers every task's oracle and nop)."""
    from envgym.kernel.context import EnvContext
    from envgym.testing import check_environment

    ctx = EnvContext(
        sandbox="process", settings={"rubric.judge_base_url": standin.base_url, "rubric.judge_model": "standin"}
    )
    report = check_environment("rubric", sandbox="process", limit=2, context=ctx)
    assert report.ok, report.summary()
    assert report.tasks_checked == 2 * len(SUITES)
