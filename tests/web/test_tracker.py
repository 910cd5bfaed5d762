"""The EnvTrack suite: graded on what changed in the tracker's state; every task validated (reference
solution 1, nothing done 0) and every near miss (the wrong issue, one item fewer or more, a field
left out) scoring 0 after really changing the state."""

from __future__ import annotations

import asyncio

import httpx
from web_helpers import NEEDS_CHROMIUM, SHARED

from envgym.protocol import EpisodeStatus
from envgym_web.environment import WebEnvironment
from envgym_web.oracle import StepPolicy
from envgym_web.runtime import WebRuntime
from envgym_web.tracker.app import create_app
from envgym_web.tracker.grading import grade_state
from envgym_web.tracker.store import COOKIE, Comment, TrackerStore, facts, initial_state
from envgym_web.tracker.tasks import tracker_tasks

TASKS = {t.id: t for t in tracker_tasks()}


def check(task_id: str) -> dict:
    return TASKS[task_id].private["check"]


def test_at_least_twenty_tasks_none_solved_by_the_initial_state():
    assert len(TASKS) >= 20
    state_tasks = [t for t in TASKS.values() if t.private["check"]["kind"] == "state"]
    assert len(state_tasks) >= 15
    for task in state_tasks:
        assert grade_state(task.private["check"], initial_state(), None).reward == 0.0, task.id


def test_doing_more_than_asked_scores_zero():
    done = initial_state()
    done.issue(1).status = "closed"
    done.issue(1).comments.append(Comment("alex", "Fixed in release 1.0.1"))
    assert grade_state(check("close-safari-crash"), done, None).reward == 1.0
    for collateral in (
        lambda s: setattr(s.issue(3), "status", "closed"),  # another issue closed too
        lambda s: s.issue(6).watchers.add("alex"),  # an unrelated watch
        lambda s: setattr(s.issue(1).comments[0], "text", "edited"),  # an old comment rewritten
        lambda s: s.issue(1).comments.append(Comment("alex", "and another")),  # one comment too many
        lambda s: s.new_issue(project="WEB", title="spam", description=""),  # an extra issue
        lambda s: setattr(s.settings, "weekly_digest", False),
    ):
        state = initial_state()
        state.issue(1).status = "closed"
        state.issue(1).comments.append(Comment("alex", "Fixed in release 1.0.1"))
        collateral(state)
        assert grade_state(check("close-safari-crash"), state, None).reward == 0.0
    # a comment by someone else does not count as the user's
    state = initial_state()
    state.issue(1).status = "closed"
    state.issue(1).comments.append(Comment("bob", "Fixed in release 1.0.1"))
    assert grade_state(check("close-safari-crash"), state, None).reward == 0.0


def test_new_issues_are_matched_field_by_field():
    state = initial_state()
    state.new_issue(
        project="API",
        title=" document the RATE limits ",
        description="",
        priority="low",
        assignee="dan",
        labels={"docs", "good first issue"},
        milestone="API 2.0",
    )
    assert grade_state(check("create-rate-limit-docs"), state, None).reward == 1.0
    state.issue(25).labels.add("bug")
    assert grade_state(check("create-rate-limit-docs"), state, None).reward == 0.0


async def test_sessions_are_isolated_and_the_board_api_checks_its_input():
    store = TrackerStore()
    a, b = store.create(), store.create()
    transport = httpx.ASGITransport(create_app(store))
    async with httpx.AsyncClient(transport=transport, base_url="http://t", cookies={COOKIE: a}) as client:
        assert (await client.post("/api/issues/4/status", json={"status": "closed"})).status_code == 200
        assert (await client.post("/api/issues/4/status", json={"status": "deleted"})).status_code == 400
        assert (await client.post("/api/issues/4/status", content=b"{not json")).status_code == 400
        assert "Issue not found" in (await client.get("/issues/999999999999")).text
    assert store.get(a).issue(4).status == "closed" and store.get(b).issue(4).status == "open"
    assert facts(store.get(b)) == facts(initial_state())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert (await client.get("/issues")).status_code == 403


@NEEDS_CHROMIUM[0]
@NEEDS_CHROMIUM[1]
def test_envgym_check_web_tracker_passes():
    from envgym.testing.conformance import check_environment

    report = check_environment("web/tracker", sandbox="process", concurrency=4)
    assert report.ok, report.summary()
    assert report.tasks_checked >= 20


@NEEDS_CHROMIUM[0]
@NEEDS_CHROMIUM[1]
async def test_every_near_miss_scores_zero():
    sem = asyncio.Semaphore(4)

    async def one(task):
        async with sem:
            return task, await play_attack(task)

    results = await asyncio.gather(*(one(t) for t in TASKS.values()))
    for task, (result, acted) in results:
        assert result.status is EpisodeStatus.completed and result.reward == 0.0, (task.id, result.info)
        assert acted, f"{task.id}: the near miss changed nothing (or gave no answer), so it tests nothing"


async def play_attack(task):
    """Plays the task's near miss; whether it acted is read just before the episode ends (and its
    session with it): the state differs from the initial one, or an answer is given."""
    env = WebEnvironment("tracker", context=SHARED)
    policy = StepPolicy(task.private["attack"])
    try:
        observation, result = (await env.reset(task)).observation, None
        while result is None or not result.done:
            action = await policy.act(observation)
            if action.tool_calls[0].function.name in ("done", "answer"):
                store = (await env.runtime.run(WebRuntime.get().sites())).tracker_store
                state = store.get(env.session_token)
                acted = (action.tool_calls[0].function.name == "answer") or facts(state) != facts(initial_state())
            result = await env.step(action)
            observation = result.observation
        return result, acted
    finally:
        await env.close()
