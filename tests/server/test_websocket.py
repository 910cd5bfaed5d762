"""``WS /v1/sessions/{id}/ws`` against a real uvicorn server: round trip, errors, attach, disconnect, auth."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from server_proc import ServerProcess
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from envgym.protocol import Action


def ws_url(server: ServerProcess, session_id: str) -> str:
    return server.url.replace("http://", "ws://") + f"/v1/sessions/{session_id}/ws"


async def exchange(ws, message: dict) -> dict:
    await ws.send(json.dumps(message))
    return json.loads(await ws.recv())


async def test_round_trip_reset_step_close(live_server):
    sid = "ws-roundtrip-0001"
    async with connect(ws_url(live_server, sid)) as ws:
        reset = await exchange(ws, {"type": "reset", "env": "debug/counter", "task_id": "count-to-2", "id": 1})
        assert reset["type"] == "reset" and reset["session_id"] == sid and reset["id"] == 1
        assert reset["observation"]["tools"]
        for expected in (1, 2):
            step = await exchange(ws, {"type": "step", "action": Action.call("increment").model_dump()})
            assert step["type"] == "step" and step["result"]["observation"]["data"] == {"counter": expected}
        state = httpx.get(f"{live_server.url}/v1/sessions/{sid}").json()
        assert state["steps"] == 2 and state["status"] == "running"
        final = await exchange(ws, {"type": "step", "action": Action.call("submit").model_dump(), "id": "last"})
        assert final["result"]["reward"] == 1.0 and final["result"]["terminated"] and final["id"] == "last"
        after = await exchange(ws, {"type": "step", "action": "x"})
        assert after["type"] == "error" and after["error"]["code"] == "session_closed"
        closed = await exchange(ws, {"type": "close"})
        assert closed == {"type": "closed", "id": None, "session_id": sid}
    assert httpx.get(f"{live_server.url}/v1/sessions/{sid}").status_code == 404


async def test_errors_keep_the_socket_open(live_server):
    async with connect(ws_url(live_server, "ws-errors-0001")) as ws:
        bad_json = await exchange(ws, {"type": "dance"})
        assert bad_json["type"] == "error" and bad_json["error"]["code"] == "invalid_request"
        await ws.send("{not json")
        assert json.loads(await ws.recv())["error"]["code"] == "invalid_request"
        no_session = await exchange(ws, {"type": "step", "action": "x"})
        assert no_session["error"]["code"] == "unknown_session"
        unknown_env = await exchange(ws, {"type": "reset", "env": "nope/x", "task_id": "a"})
        assert unknown_env["error"]["code"] == "unknown_environment"
        ok = await exchange(ws, {"type": "reset", "env": "debug/echo", "task_id": "echo-0"})
        assert ok["type"] == "reset"
        twice = await exchange(ws, {"type": "reset", "env": "debug/echo", "task_id": "echo-0"})
        assert twice["error"]["code"] == "invalid_request"
        assert (await exchange(ws, {"type": "step", "action": "alpha"}))["result"]["reward"] == 1.0


async def test_bad_session_id_is_rejected(live_server):
    async with connect(ws_url(live_server, "x")) as ws:
        reply = await exchange(ws, {"type": "reset", "env": "debug/echo", "task_id": "echo-0"})
        assert reply["error"]["code"] == "invalid_request"


async def test_attach_to_a_rest_session_and_disconnect_leaves_it_open(live_server):
    created = httpx.post(
        f"{live_server.url}/v1/sessions", json={"env": "debug/counter", "task_id": "count-to-1"}
    ).json()
    sid = created["session_id"]
    async with connect(ws_url(live_server, sid)) as ws:
        step = await exchange(ws, {"type": "step", "action": Action.call("increment").model_dump()})
        assert step["result"]["observation"]["data"] == {"counter": 1}
    # A second socket can still step it: the first one's disconnect left the session open.
    async with connect(ws_url(live_server, sid)) as ws:
        step = await exchange(ws, {"type": "step", "action": Action.call("increment").model_dump()})
        assert step["result"]["observation"]["data"] == {"counter": 2}
    state = httpx.get(f"{live_server.url}/v1/sessions/{sid}").json()
    assert state["steps"] == 2 and not state["closed"]
    httpx.delete(f"{live_server.url}/v1/sessions/{sid}")


async def test_disconnect_closes_a_session_the_socket_created(live_server):
    sid = "ws-dropped-0001"
    ws = await connect(ws_url(live_server, sid))
    await exchange(ws, {"type": "reset", "env": "debug/counter", "task_id": "count-to-1"})
    assert httpx.get(f"{live_server.url}/v1/sessions/{sid}").status_code == 200
    await ws.close()
    for _ in range(50):
        if httpx.get(f"{live_server.url}/v1/sessions/{sid}").status_code == 404:
            break
        await asyncio.sleep(0.05)
    assert httpx.get(f"{live_server.url}/v1/sessions/{sid}").status_code == 404


async def test_websocket_needs_the_token_when_the_server_has_one():
    with ServerProcess(token="ws-token") as server:
        with pytest.raises(InvalidStatus) as info:
            await connect(ws_url(server, "ws-auth-00001"))
        assert info.value.response.status_code == 401
        assert json.loads(info.value.response.body)["error"]["code"] == "unauthorized"
        async with connect(
            ws_url(server, "ws-auth-00001"), additional_headers={"Authorization": "Bearer ws-token"}
        ) as ws:
            assert (await exchange(ws, {"type": "reset", "env": "debug/echo", "task_id": "echo-0"}))["type"] == "reset"


async def test_delete_during_a_websocket_step_answers_and_keeps_the_socket(live_server):
    sid = "ws-interrupted-01"
    async with connect(ws_url(live_server, sid)) as ws:
        assert (await exchange(ws, {"type": "reset", "env": "slowtest/main", "task_id": "t1"}))["type"] == "reset"
        await ws.send(json.dumps({"type": "step", "action": "sleep", "id": 7}))
        for _ in range(600):  # until the step is running
            if httpx.get(f"{live_server.url}/v1/sessions/{sid}").json()["stepping"]:
                break
            await asyncio.sleep(0.02)
        assert httpx.delete(f"{live_server.url}/v1/sessions/{sid}").json()["existed"] is True
        interrupted = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert (
            interrupted["type"] == "error"
            and interrupted["error"]["code"] == "session_closed"
            and interrupted["id"] == 7
        )
        # The socket's handler survived the cancellation: it serves a new episode under the same id.
        again = await exchange(ws, {"type": "reset", "env": "debug/echo", "task_id": "echo-0"})
        assert again["type"] == "reset"
        assert (await exchange(ws, {"type": "step", "action": "alpha"}))["result"]["reward"] == 1.0


@pytest.mark.parametrize("msg_id", [None, 0, -3, 2**70, "abc", 'é "quoted" \n\u2028 \U0001f600'])
def test_the_step_reply_is_the_models_own_dump(msg_id):
    from envgym.protocol import Observation, StepResult
    from envgym.protocol.ws import WsStepDone
    from envgym_server.websocket import step_done

    result = StepResult(
        observation=Observation.user('héllo \u2028 "x"'), reward=0.5, info={"turn": 3, "nested": {"a": [1, None]}}
    )
    assert step_done(msg_id, result) == WsStepDone(id=msg_id, result=result).model_dump_json()
