"""REST episodes step over a keep-alive connection of their own (envgym.client.http), not httpx:
the same answers and typed errors, never a request sent twice."""

from __future__ import annotations

import asyncio
import json

import pytest

from envgym.agents.builtin import OracleAgent
from envgym.agents.loop import run_episode
from envgym.builtin.debug import DebugEnvironment
from envgym.client import AsyncClient, ClientTimeout, ServerUnreachable
from envgym.client.http import StepConnection
from envgym.protocol.errors import SessionClosed, UnknownSession

STEP = {
    "observation": {"messages": [{"role": "tool", "content": "counter = 1", "tool_call_id": "c1"}]},
    "reward": 0.0,
    "terminated": False,
    "truncated": False,
    "info": {},
}


async def test_a_rest_episode_steps_over_its_own_connection_with_the_same_answers(live_server):
    task = DebugEnvironment.get_task("counter", "count-to-3")
    async with AsyncClient(live_server.url) as client:
        episode = client.episode("debug/counter")
        record = await run_episode(episode, OracleAgent(), task, DebugEnvironment)
        assert record.status.value == "completed" and record.reward == 1.0 and record.turns == 4
        # An ended session answers 409 on the same path: the typed error, as over httpx.
        again = client.episode("debug/echo")
        await again.reset("echo-2")
        assert (await again.step("charlie")).reward == 1.0
        assert isinstance(again._connection, StepConnection)
        with pytest.raises(SessionClosed):
            await again.step("charlie")
        with pytest.raises(UnknownSession):
            await client.step("no-such-session", "x", connection=client.step_connection())
        await again.close()
        assert again._connection is None and (await client.healthz())["sessions_open"] == 0


async def test_a_slow_step_is_a_client_timeout(live_server):
    async with AsyncClient(live_server.url, timeout=0.5) as client:
        episode = client.episode("slowtest/main")
        await episode.reset("t1")
        session_id = episode.session_id
        with pytest.raises(ClientTimeout, match="within 0.5 s"):
            await episode.step("sleep")
        await client.close_session(session_id)


async def _server(handler) -> tuple[asyncio.AbstractServer, int]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def _read_request(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
    )
    return head, await reader.readexactly(length)


async def test_an_idle_connection_the_server_closed_is_replaced_before_sending_and_nothing_is_sent_twice():
    requests = []

    async def one_request_per_connection(reader, writer):  # a server whose keep-alive ends after each answer
        head, body = await _read_request(reader)
        requests.append((head, body))
        data = json.dumps(STEP).encode()
        # Chunked, as a server without Content-Length would answer.
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
            + b"%x\r\n%s\r\n0\r\n\r\n" % (len(data), data)
        )
        await writer.drain()
        writer.close()

    server, port = await _server(one_request_per_connection)
    async with server, AsyncClient(f"http://127.0.0.1:{port}/prefix", token="s3cret") as client:
        connection = client.step_connection()
        for _ in range(2):
            result = await client.step("abc", "hello", connection=connection)
            assert result.observation.messages[0].content == "counter = 1"
            await asyncio.sleep(0.05)  # the server's close arrives while the connection is idle
        assert len(requests) == 2
        head, body = requests[0]
        assert head.startswith(b"POST /prefix/v1/sessions/abc/step HTTP/1.1\r\n")
        assert b"authorization: Bearer s3cret" in head and json.loads(body)["action"]["content"] == "hello"


async def test_a_connection_lost_after_the_request_is_sent_is_unreachable_and_not_retried():
    received = []

    async def hang_up(reader, writer):
        received.append(await _read_request(reader))
        writer.close()  # no answer: the server may or may not have applied the step

    server, port = await _server(hang_up)
    async with server, AsyncClient(f"http://127.0.0.1:{port}") as client:
        with pytest.raises(ServerUnreachable, match="envgym serve"):
            await client.step("abc", "hello", connection=client.step_connection())
        assert len(received) == 1


async def test_nothing_listening_is_unreachable():
    server, port = await _server(lambda r, w: None)
    server.close()
    await server.wait_closed()
    async with AsyncClient(f"http://127.0.0.1:{port}") as client:
        with pytest.raises(ServerUnreachable):
            await client.step("abc", "hello", connection=client.step_connection())


def test_https_and_custom_transports_keep_httpx():
    import httpx

    assert AsyncClient("https://example.invalid").step_connection() is None
    assert AsyncClient("http://test", transport=httpx.ASGITransport(app=None)).step_connection() is None
    assert isinstance(AsyncClient("http://127.0.0.1:9").step_connection(), StepConnection)
