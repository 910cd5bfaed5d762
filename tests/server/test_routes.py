"""Every REST route of docs/architecture.md §5 and the error shape, in-process through httpx's ASGI transport."""

from __future__ import annotations

import json

import pytest
from server_helpers import running_app

from envgym.protocol import Action, Task


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}, body
    return body["error"]


async def test_healthz_and_metrics(served):
    _, raw, _ = served
    health = raw.get("/healthz")
    health = await health
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert health.json()["sessions_open"] == 0
    metrics = await raw.get("/metrics")
    assert metrics.status_code == 200 and metrics.headers["content-type"].startswith("text/plain")
    for name in ("envgym_sessions_open", "envgym_step_seconds", "envgym_sandboxes_open", "envgym_errors"):
        assert name in metrics.text


async def test_openapi_lists_the_routes(served):
    _, raw, _ = served
    paths = (await raw.get("/openapi.json")).json()["paths"]
    for path in (
        "/v1/environments",
        "/v1/environments/{env}",
        "/v1/environments/{env}/tasks",
        "/v1/sessions",
        "/v1/sessions/{session_id}/step",
        "/v1/sessions/{session_id}",
        "/v1/grade",
        "/healthz",
        "/metrics",
    ):
        assert path in paths, path


async def test_environments_listing_and_detail(served):
    _, raw, _ = served
    listing = (await raw.get("/v1/environments")).json()
    ids = {e["id"] for e in listing}
    assert {"debug/echo", "debug/counter", "slowtest/main"} <= ids
    detail = (await raw.get("/v1/environments/debug/counter")).json()
    assert detail["id"] == "debug/counter" and detail["family"] == "debug"
    assert {t["function"]["name"] for t in detail["tools"]} == {"increment", "submit"}
    assert detail["action_schema"]["type"] == "object" and "messages" in detail["observation_schema"]["properties"]
    assert [s["name"] for s in detail["suites"]] == ["echo", "counter"]
    missing = await raw.get("/v1/environments/nope/x")
    assert missing.status_code == 404 and error_of(missing)["code"] == "unknown_environment"


async def test_task_listing_pages_and_hides_private_fields(served):
    _, raw, _ = served
    page = (await raw.get("/v1/environments/debug/counter/tasks", params={"offset": 1, "limit": 2})).json()
    assert page["env"] == "debug/counter" and page["total"] == 5 and page["offset"] == 1
    assert [t["id"] for t in page["tasks"]] == ["count-to-2", "count-to-3"]
    by_suite = (await raw.get("/v1/environments/debug/tasks", params={"suite": "echo", "limit": 1})).json()
    assert by_suite["env"] == "debug/echo" and by_suite["total"] == 10
    hidden = await raw.get("/v1/environments/slowtest/main/tasks")
    assert hidden.status_code == 200
    assert "hidden-answer-xyz" not in hidden.text and "private" not in hidden.json()["tasks"][0]
    assert "payload" not in hidden.json()["tasks"][0]
    bad = await raw.get("/v1/environments/debug/counter/tasks", params={"limit": 0})
    assert bad.status_code == 422 and error_of(bad)["code"] == "invalid_request"
    unknown = await raw.get("/v1/environments/debug/tasks", params={"suite": "nope"})
    assert unknown.status_code == 404 and error_of(unknown)["code"] == "unknown_environment"


async def test_session_lifecycle(served):
    _, raw, _ = served
    created = await raw.post("/v1/sessions", json={"env": "debug/counter", "task_id": "count-to-1", "seed": 3})
    assert created.status_code == 201, created.text
    body = created.json()
    sid = body["session_id"]
    assert body["observation"]["messages"][0]["role"] == "user"
    assert {t["function"]["name"] for t in body["observation"]["tools"]} == {"increment", "submit"}
    step = await raw.post(f"/v1/sessions/{sid}/step", json={"action": Action.call("increment").model_dump()})
    assert step.status_code == 200 and step.json()["observation"]["data"] == {"counter": 1}
    state = (await raw.get(f"/v1/sessions/{sid}")).json()
    assert state["steps"] == 1 and state["status"] == "running" and state["env"] == "debug/counter"
    assert state["task_id"] == "count-to-1" and not state["closed"] and "reset_s" in state["timings"]
    final = (await raw.post(f"/v1/sessions/{sid}/step", json={"action": Action.call("submit").model_dump()})).json()
    assert final["terminated"] and final["reward"] == 1.0 and final["info"]["status"] == "completed"
    # The episode ended: its session is a tombstone that answers 409 to a step and shows its status.
    after = await raw.post(f"/v1/sessions/{sid}/step", json={"action": "x"})
    assert after.status_code == 409 and error_of(after)["code"] == "session_closed"
    state = (await raw.get(f"/v1/sessions/{sid}")).json()
    assert state["closed"] and state["status"] == "completed"
    deleted = await raw.delete(f"/v1/sessions/{sid}")
    assert deleted.status_code == 200 and deleted.json() == {"session_id": sid, "existed": True}
    again = await raw.delete(f"/v1/sessions/{sid}")
    assert again.status_code == 200 and again.json()["existed"] is False
    gone = await raw.post(f"/v1/sessions/{sid}/step", json={"action": "x"})
    assert gone.status_code == 404 and error_of(gone)["code"] == "unknown_session"
    assert (await raw.get(f"/v1/sessions/{sid}")).status_code == 404
    assert (await raw.get("/healthz")).json()["sessions_open"] == 0


async def test_session_with_a_full_task_and_plain_text_action(served):
    _, raw, _ = served
    task = Task(id="custom", suite="echo", prompt="say zulu", private={"answer": "zulu"})
    created = (await raw.post("/v1/sessions", json={"env": "debug/echo", "task": task.model_dump()})).json()
    result = (await raw.post(f"/v1/sessions/{created['session_id']}/step", json={"action": "zulu"})).json()
    assert result["reward"] == 1.0


async def test_unknown_env_and_task(served):
    _, raw, _ = served
    env = await raw.post("/v1/sessions", json={"env": "nope/x", "task_id": "a"})
    assert env.status_code == 404 and error_of(env)["code"] == "unknown_environment"
    task = await raw.post("/v1/sessions", json={"env": "debug/echo", "task_id": "no-such-task"})
    assert task.status_code == 404 and error_of(task)["code"] == "unknown_task"
    assert (await raw.get("/healthz")).json()["sessions_open"] == 0


@pytest.mark.parametrize(
    "content,headers",
    [
        (b"{not json", {"content-type": "application/json"}),
        (b'{"env": 5, "task_id": "x"}', {"content-type": "application/json"}),
        (b'{"env": "debug/echo"}', {"content-type": "application/json"}),
        (b'{"env": "debug/echo", "task_id": "echo-1", "task": {"id": "x"}}', {"content-type": "application/json"}),
        (b"[1, 2]", {"content-type": "application/json"}),
        (b"", {"content-type": "application/json"}),
        (b'{"env": "debug/echo", "task_id": "echo-1"}', {"content-type": "text/plain"}),
    ],
)
async def test_malformed_requests_are_422_invalid_request(served, content, headers):
    _, raw, _ = served
    response = await raw.post("/v1/sessions", content=content, headers=headers)
    assert response.status_code == 422, response.text
    assert error_of(response)["code"] == "invalid_request"


async def test_malformed_step_bodies(served):
    _, raw, _ = served
    sid = (await raw.post("/v1/sessions", json={"env": "debug/counter", "task_id": "count-to-1"})).json()["session_id"]
    for body in ({}, {"action": 12}, {"action": {"role": "user", "content": "x"}}):
        response = await raw.post(f"/v1/sessions/{sid}/step", json=body)
        assert response.status_code == 422 and error_of(response)["code"] == "invalid_request", body
    # A malformed tool call inside a valid action is the agent's problem: an error observation, not an HTTP error.
    weird = await raw.post(
        f"/v1/sessions/{sid}/step",
        json={"action": {"tool_calls": [{"function": {"name": "increment", "arguments": "{oops"}}]}},
    )
    assert weird.status_code == 200 and "Error" in weird.json()["observation"]["messages"][0]["content"]
    # So is a tool call without a name: answered like an unknown tool and counted, not a 422.
    for call in ({"id": "c1", "function": {"arguments": "{}"}}, {"function": {"name": None}}):
        nameless = await raw.post(f"/v1/sessions/{sid}/step", json={"action": {"tool_calls": [call]}})
        assert nameless.status_code == 200, nameless.text
        assert not nameless.json()["terminated"]
        assert nameless.json()["observation"]["messages"][0]["content"] == "Error: unknown tool ''"
    state = (await raw.get(f"/v1/sessions/{sid}")).json()
    assert state["steps"] == 3 and state["status"] == "running"


async def test_unknown_routes_and_methods(served):
    _, raw, _ = served
    missing = await raw.get("/v2/whatever")
    assert missing.status_code == 404 and error_of(missing)["code"] == "not_found"
    method = await raw.put("/v1/sessions")
    assert method.status_code == 405 and error_of(method)["code"] == "method_not_allowed"


async def test_grade_with_grader_and_with_env(served):
    _, raw, _ = served
    task = {"id": "g1", "suite": "s", "prompt": "2+2?", "private": {"answer": "4"}}
    ok = await raw.post("/v1/grade", json={"grader": "exact_test", "task": task, "submission": {"answer": "4"}})
    assert ok.status_code == 200 and ok.json()["reward"] == 1.0 and ok.json()["status"] == "ok"
    wrong = (
        await raw.post("/v1/grade", json={"grader": "exact_test", "task": task, "submission": {"answer": "5"}})
    ).json()
    assert wrong["reward"] == 0.0 and wrong["status"] == "ok"
    # Task by id from an env, graded by the env's grade_submission: debug/counter's tasks name no grader
    # (they are graded inside an episode), which is reported as grader_error, never as a silent 0.
    by_env = (
        await raw.post(
            "/v1/grade", json={"env": "debug/counter", "task_id": "count-to-1", "submission": {"answer": "1"}}
        )
    ).json()
    assert by_env["status"] == "grader_error"
    with_spec = {**task, "grader": {"name": "exact_test"}}
    via_spec = (
        await raw.post("/v1/grade", json={"env": "debug/echo", "task": with_spec, "submission": {"answer": "4"}})
    ).json()
    assert via_spec["reward"] == 1.0
    unknown = await raw.post("/v1/grade", json={"grader": "nope", "task": task, "submission": {"answer": "4"}})
    assert unknown.status_code == 404 and error_of(unknown)["code"] == "unknown_plugin"
    incomplete = await raw.post("/v1/grade", json={"grader": "exact_test", "task": task})
    assert incomplete.status_code == 422 and error_of(incomplete)["code"] == "invalid_request"


async def test_error_counts_reach_metrics(served):
    _, raw, _ = served
    await raw.post("/v1/sessions/nope/step", json={"action": "x"})
    text = (await raw.get("/metrics")).text
    assert 'envgym_errors_total{code="unknown_session"} 1.0' in text


async def test_settings_reach_environments():
    async with running_app(settings={"judge_base_url": "http://judge", "n": 3}) as (app, raw, _):
        sid = (await raw.post("/v1/sessions", json={"env": "slowtest/main", "task_id": "t1"})).json()["session_id"]
        session = app.state.envgym.sessions.get(sid)
        assert session.env.context.setting("judge_base_url") == "http://judge" and session.env.context.setting("n") == 3
        assert session.env.context.sandbox == "process"


def test_openapi_has_one_error_shape():
    from envgym_server import ServerConfig, create_app

    schema = create_app(ServerConfig(sandbox="process")).openapi()
    step = schema["paths"]["/v1/sessions/{session_id}/step"]["post"]["responses"]
    assert "409" in step and json.dumps(step["409"]).find("ErrorBody") >= 0
