"""Protocol 1.1: a step's outcome travels as typed fields of ``StepResult`` (``status``, ``grade``,
``error``) on the REST fast path, the FastAPI route and the WebSocket, and is still mirrored in
``info`` for clients of protocol 1.0, in the shapes they read."""

from __future__ import annotations

import json
from typing import Any

import httpx
from pydantic import BaseModel, Field
from websockets.asyncio.client import connect

from envgym.client import AsyncClient
from envgym.protocol import PROTOCOL_VERSION, Action


class StepResult10(BaseModel):
    """``StepResult`` as a protocol 1.0 client declares it: no typed outcome."""

    observation: dict[str, Any]
    reward: float = 0.0
    terminated: bool = False
    truncated: bool = False
    info: dict[str, Any] = Field(default_factory=dict)


def mirrored(body: dict[str, Any]) -> dict[str, Any]:
    """The typed outcome of a step's JSON, checked against its deprecated ``info`` mirrors."""
    info = body["info"]
    assert body["status"] == info["status"], body
    assert body["grade"] == info.get("grade"), body
    error = body["error"]
    if error is None:
        assert "error" not in info, body
    else:  # an invalid action's mirror is the ErrorInfo itself; an error status's is flat (traceback inline)
        assert info["error"] in (error, {"code": error["code"], "message": error["message"], **error["details"]})
    old = StepResult10.model_validate(body)  # a 1.0 client still parses the answer and finds its keys
    assert (old.info["status"], old.info.get("grade"), old.reward) == (
        info["status"],
        info.get("grade"),
        body["reward"],
    )
    return body


async def test_rest_steps_carry_the_typed_outcome_and_its_info_mirrors(served):
    _, raw, _ = served
    created = (await raw.post("/v1/sessions", json={"env": "debug/counter", "task_id": "count-to-1"})).json()
    step = f"/v1/sessions/{created['session_id']}/step"
    bad = mirrored((await raw.post(step, json={"action": "just text"})).json())
    assert bad["status"] == "running" and bad["grade"] is None and bad["error"]["code"] == "invalid_action"
    assert bad["info"]["error"] == bad["error"] and set(bad["info"]["error"]) == {"code", "message", "details"}
    # The FastAPI route (a content type the fast path leaves to it) answers the same fields.
    body = json.dumps({"action": Action.call("increment").model_dump(exclude_none=True)})
    routed = await raw.post(step, content=body, headers={"content-type": "application/json; charset=utf-8"})
    ok = mirrored(routed.json())
    assert (ok["status"], ok["grade"], ok["error"]) == ("running", None, None) and ok["info"]["turn"] == 2
    final = mirrored((await raw.post(step, json={"action": Action.call("submit").model_dump()})).json())
    assert final["status"] == "completed" and final["grade"]["passed"] and final["error"] is None
    assert final["info"]["grade"] == final["grade"] and final["reward"] == final["grade"]["reward"] == 1.0


async def test_an_error_status_carries_its_typed_error_and_the_flat_mirror_old_clients_read(served):
    _, raw, client = served
    created = await client.create_session("slowtest/main", task_id="t1")
    body = mirrored((await raw.post(f"/v1/sessions/{created.session_id}/step", json={"action": "crash"})).json())
    assert body["terminated"] and body["status"] == "env_error"
    error = body["error"]
    assert error["code"] == "env_error" and "crashed on purpose" in error["message"]
    assert "RuntimeError" in error["details"]["traceback"]
    assert body["info"]["error"] == {"code": "env_error", "message": error["message"], **error["details"]}
    assert (await client.get_session(created.session_id)).status.value == "env_error"


async def test_the_client_reads_the_typed_outcome(served):
    _, _, client = served
    created = await client.create_session("debug/counter", task_id="count-to-2")
    bad = await client.step(created.session_id, "just text")
    assert bad.status.value == "running" and bad.error is not None and bad.error.code == "invalid_action"
    final = await client.step(created.session_id, Action.call("submit"))
    assert final.status.value == "completed" and final.grade is not None and not final.grade.passed
    assert final.info["grade"] == final.grade.model_dump() and final.info["status"] == "completed"


async def test_healthz_names_the_protocol_version(served):
    _, raw, _ = served
    assert (await raw.get("/healthz")).json()["protocol"] == PROTOCOL_VERSION == "1.1"


async def test_websocket_steps_carry_the_typed_outcome_and_its_info_mirrors(live_server):
    url = live_server.url.replace("http://", "ws://") + "/v1/sessions/ws-outcome-0001/ws"
    async with connect(url) as ws:

        async def exchange(message: dict[str, Any]) -> dict[str, Any]:
            await ws.send(json.dumps(message))
            return json.loads(await ws.recv())

        assert (await exchange({"type": "reset", "env": "debug/counter", "task_id": "count-to-1"}))["type"] == "reset"
        bad = mirrored((await exchange({"type": "step", "action": "just text"}))["result"])
        assert bad["status"] == "running" and bad["error"]["code"] == "invalid_action"
        ok = mirrored((await exchange({"type": "step", "action": Action.call("increment").model_dump()}))["result"])
        assert (ok["status"], ok["grade"], ok["error"]) == ("running", None, None)
        final = mirrored((await exchange({"type": "step", "action": Action.call("submit").model_dump()}))["result"])
        assert final["status"] == "completed" and final["grade"]["passed"] and final["reward"] == 1.0
    async with AsyncClient(live_server.url) as client:
        episode = client.episode("debug/counter", websocket=True)
        await episode.reset("count-to-1")
        try:
            result = await episode.step(Action.call("submit"))
        finally:
            await episode.close()
    assert result.status.value == "completed" and result.grade is not None and result.grade.reward == 0.0
    assert httpx.get(f"{live_server.url}/healthz").json()["protocol"] == PROTOCOL_VERSION
