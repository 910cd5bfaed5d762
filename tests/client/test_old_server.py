"""A client of protocol 1.1 talking to a 1.0 server (no typed outcome in its ``StepResult``): the
typed ``status``, ``grade`` and ``error`` come from the ``info`` mirrors, over REST and WebSocket."""

from __future__ import annotations

import json

import httpx

from envgym.client import AsyncClient
from envgym.client.ws import WebSocketEpisode
from envgym.protocol import Action, EpisodeStatus

OLD_FINAL = {
    "observation": {"messages": [{"role": "user", "content": "Reward: 1"}], "tools": None, "image": None, "data": None},
    "reward": 1.0,
    "terminated": True,
    "truncated": False,
    "info": {"status": "completed", "grade": {"reward": 1.0, "passed": True, "status": "ok"}, "turn": 3},
}
OLD_FAILED = {
    "observation": {"messages": []},
    "reward": 0.0,
    "terminated": True,
    "truncated": False,
    "info": {"status": "env_error", "error": {"code": "env_error", "message": "boom", "traceback": "Traceback..."}},
}


async def test_rest_steps_of_an_old_server_get_the_typed_outcome_from_info():
    answers = [OLD_FINAL, OLD_FAILED]

    def old_server(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=answers.pop(0))

    async with AsyncClient("http://old", transport=httpx.MockTransport(old_server)) as client:
        final = await client.step("s1", Action.call("submit"))
        failed = await client.step("s2", "x")
    assert final.status is EpisodeStatus.completed and final.grade is not None and final.grade.passed
    assert final.error is None and final.info["turn"] == 3
    assert failed.status is EpisodeStatus.env_error and failed.grade is None and failed.error is not None
    assert (failed.error.code, failed.error.message, failed.error.details) == (
        "env_error",
        "boom",
        {"traceback": "Traceback..."},
    )


class OldSocket:
    """A 1.0 server's socket: every step is answered with ``OLD_FINAL``."""

    def __init__(self) -> None:
        self.sent: list[dict] = []

    async def send(self, text: str) -> None:
        self.sent.append(json.loads(text))

    async def recv(self) -> str:
        return json.dumps({"type": "step", "id": None, "result": OLD_FINAL})


async def test_websocket_steps_of_an_old_server_get_the_typed_outcome_from_info():
    async with AsyncClient("http://old") as client:
        episode = WebSocketEpisode(client, "debug/counter")
        episode._ws, episode.session_id = OldSocket(), "s1"
        result = await episode.step(Action.call("submit"))
    assert result.status is EpisodeStatus.completed and result.grade is not None and result.grade.reward == 1.0
    assert result.final_status is EpisodeStatus.completed and result.error is None
