"""POST /v1/grade/batch (one result per request, in order, errors kept in their slots) and the
session TTL chosen at creation (a session nobody closes is reaped after its own ttl_s)."""

from __future__ import annotations

import asyncio
import time

from envgym.protocol import GradeBatchResponse


async def test_grade_batch_keeps_every_slot_in_order(served):
    app, raw, client = served
    requests = [
        {"env": "debug/echo", "task_id": f"echo-{i}", "submission": {"answer": answer}}
        for i, answer in enumerate(["alpha", "wrong", "charlie"])
    ]
    requests.insert(1, {"env": "debug/echo", "task_id": "no-such-task", "submission": {"answer": "x"}})
    requests.append({"env": "debug/counter", "task_id": "count-to-1", "submission": {"answer": "x"}})
    response = await raw.post("/v1/grade/batch", json={"requests": requests, "concurrency": 2})
    assert response.status_code == 200, response.text
    results = GradeBatchResponse.model_validate_json(response.content).results
    assert [r.index for r in results] == [0, 1, 2, 3, 4]
    assert [r.grade.reward if r.grade else None for r in results] == [1.0, None, 0.0, 1.0, 0.0]
    assert results[1].error.code == "unknown_task"
    assert (
        results[4].grade.status == "grader_error"
    )  # counter grades only inside an episode: a grading failure, not a 0
    single = await client.grade(env="debug/echo", task_id="echo-0", submission={"answer": "alpha"})
    assert single == results[0].grade


async def test_grade_batch_validates_its_body(served):
    app, raw, client = served
    assert (await raw.post("/v1/grade/batch", json={"requests": []})).status_code == 422
    bad = await raw.post("/v1/grade/batch", json={"requests": [{"env": "debug/echo"}]})
    assert bad.status_code == 422


async def wait_for(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not await condition():
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0.05)


async def test_session_ttl_reaps_an_abandoned_session_long_before_the_idle_timeout(served):
    app, raw, client = served
    sessions = app.state.envgym.sessions
    assert app.state.envgym.config.idle_timeout_s >= 60
    kept = await client.create_session("debug/counter", task_id="count-to-1")
    short = await client.create_session("debug/counter", task_id="count-to-1", ttl_s=0.5)
    assert sessions.get(short.session_id).ttl_s == 0.5

    async def gone():
        return short.session_id not in sessions._sessions

    await wait_for(gone)
    assert kept.session_id in sessions._sessions and sessions.open_count == 1
    # A session that keeps working is not reaped by its ttl.
    busy = await client.create_session("debug/counter", task_id="count-to-5", ttl_s=0.5)
    for _ in range(4):
        await client.step(
            busy.session_id, {"tool_calls": [{"id": "c", "function": {"name": "increment", "arguments": "{}"}}]}
        )
        await asyncio.sleep(0.2)
    assert busy.session_id in sessions._sessions
    await client.close_session(busy.session_id)
    await client.close_session(kept.session_id)


async def test_session_ttl_is_capped_by_the_server_idle_timeout(served):
    app, raw, client = served
    created = await client.create_session("debug/echo", task_id="echo-0", ttl_s=10**9)
    assert app.state.envgym.sessions.get(created.session_id).ttl_s == app.state.envgym.config.idle_timeout_s
    bad = await raw.post("/v1/sessions", json={"env": "debug/echo", "task_id": "echo-0", "ttl_s": 0})
    assert bad.status_code == 422
    await client.close_session(created.session_id)
