"""The step fast path (``envgym_server.fastpath``) against the FastAPI route it stands in for: the
same bytes, statuses, headers and metrics for good and bad requests; what it leaves to FastAPI; a
client that goes away mid-step still has its step cancelled; the delayed disconnect watch."""

from __future__ import annotations

import asyncio
import json
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator

import server_testenvs

from envgym.protocol import SessionCreate
from envgym_server import ServerConfig, create_app
from envgym_server.disconnect import run_watching
from envgym_server.fastpath import StepFastPath

JSON = [(b"content-type", b"application/json")]


@asynccontextmanager
async def app_with(fast: bool, **config: Any) -> AsyncIterator[Any]:
    app = create_app(ServerConfig(sandbox="process", **config))
    if not fast:  # the FastAPI route alone (the middleware stack is built at the first request)
        app.user_middleware = [m for m in app.user_middleware if m.cls is not StepFastPath]
    async with app.router.lifespan_context(app):
        yield app


async def call(
    app: Any,
    method: str,
    path: str,
    chunks: list[bytes] | None = None,
    headers: list | None = None,
    query: bytes = b"",
    disconnect_after: float | None = None,
) -> tuple[int, list, bytes]:
    """One request straight through the ASGI app, as uvicorn hands it over; the raw answer."""
    chunks = [b""] if chunks is None else chunks
    headers = JSON if headers is None else headers
    body_len = str(sum(len(c) for c in chunks)).encode()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "server": ("127.0.0.1", 80),
        "client": ("127.0.0.1", 1234),
        "headers": [(b"host", b"test"), *headers, (b"content-length", body_len)],
        "state": {},
    }
    messages = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)]
    done = asyncio.Event()
    sent: list[dict] = []

    async def receive() -> dict:
        if messages:
            return messages.pop(0)
        if disconnect_after is not None:
            await asyncio.sleep(disconnect_after)
        else:
            await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            done.set()

    await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    return (
        start["status"],
        start["headers"],
        b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body"),
    )


def step_path(session_id: str) -> str:
    return f"/v1/sessions/{session_id}/step"


def increment(by: int = 1) -> bytes:
    return json.dumps(
        {
            "action": {
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "increment", "arguments": json.dumps({"by": by})},
                    }
                ]
            }
        }
    ).encode()


# (method, path, chunks, headers, query): good requests the fast path answers, bad or unusual ones it
# leaves to FastAPI; in order, on sessions "counter-0001" (debug/counter) and "slow-0001" (slowtest/main).
REQUESTS: list[tuple[str, str, list[bytes], list | None, bytes]] = [
    ("POST", step_path("counter-0001"), [increment()], None, b""),
    ("POST", step_path("counter-0001"), [increment(3)[:20], increment(3)[20:]], None, b""),  # body in two messages
    ("POST", step_path("counter-0001"), [b'{"action": "just text"}'], None, b""),
    (
        "POST",
        step_path("counter-0001"),
        [b'{"action": {"content": "x", "reasoning_content": "kept", "tool_parser": "hermes"}}'],
        None,
        b"",
    ),
    ("POST", step_path("counter-0001"), [b'{"action": {"content": "x", "tool_parser": "no-such-parser"}}'], None, b""),
    ("POST", step_path("counter-0001"), [b'{"action": {"content": "\xc3\xa9t\xc3\xa9 \\u2603"}}'], None, b""),
    ("POST", step_path("no-such-session"), [increment()], None, b""),
    ("POST", step_path("counter-0001"), [b'{"action": '], None, b""),  # malformed JSON
    ("POST", step_path("counter-0001"), [b'{"action": "x", "extra": 1}'], None, b""),  # unknown field
    ("POST", step_path("counter-0001"), [b'{"action": 5}'], None, b""),
    ("POST", step_path("counter-0001"), [b"null"], None, b""),
    ("POST", step_path("counter-0001"), [b"[]"], None, b""),
    ("POST", step_path("counter-0001"), [b""], None, b""),  # empty body
    ("POST", step_path("counter-0001"), [b'{"action": "\xff"}'], None, b""),  # not UTF-8
    ("POST", step_path("counter-0001"), [b'\xef\xbb\xbf{"action": "bom"}'], None, b""),  # FastAPI reads a BOM
    ("POST", step_path("counter-0001"), [b'{"action": "lone \\ud800"}'], None, b""),  # json.loads takes it
    ("POST", step_path("counter-0001"), [increment()], [(b"content-type", b"text/plain")], b""),
    ("POST", step_path("counter-0001"), [increment()], [(b"content-type", b"application/json; charset=utf-8")], b""),
    ("POST", step_path("counter-0001"), [increment()], [], b""),  # no content type
    ("POST", step_path("counter-0001"), [increment()], None, b"x=1"),
    ("POST", step_path("counter-0001") + "/", [increment()], None, b""),
    ("POST", "/v1/sessions//step", [increment()], None, b""),
    ("GET", step_path("counter-0001"), [b""], None, b""),
    ("POST", step_path("slow-0001"), [b'{"action": "sleep"}'], None, b""),  # the step timeout: 504
    ("POST", step_path("slow-0001"), [b'{"action": "ok"}'], None, b""),  # ended by its timeout: 409
    (
        "POST",
        step_path("counter-0001"),
        [b'{"action": {"tool_calls": [{"id": "s", "function": {"name": "submit"}}]}}'],
        None,
        b"",
    ),
    ("POST", step_path("counter-0001"), [increment()], None, b""),  # the episode has ended: 409
]


def counted(metrics: bytes) -> list[str]:
    """The series that count steps and errors (latency buckets differ from run to run)."""
    return sorted(
        line
        for line in metrics.decode().splitlines()
        if line.startswith(("envgym_steps_total", "envgym_errors_total", "envgym_step_seconds_count"))
    )


async def test_the_fast_path_answers_byte_for_byte_as_the_fastapi_route():
    answers = {}
    for fast in (True, False):
        async with app_with(fast, step_timeout_s=0.3) as app:
            sessions = app.state.envgym.sessions
            await sessions.create(SessionCreate(env="debug/counter", task_id="count-to-8"), session_id="counter-0001")
            await sessions.create(SessionCreate(env="slowtest/main", task_id="t1"), session_id="slow-0001")
            answers[fast] = [
                await call(app, method, path, chunks, headers, query)
                for method, path, chunks, headers, query in REQUESTS
            ]
            answers[fast].append(counted((await call(app, "GET", "/metrics"))[2]))
    for request, fast, slow in zip(REQUESTS + [("metrics",)], answers[True], answers[False]):
        assert fast == slow, request
    statuses = [status for status, _, _ in answers[True][:-1]]
    assert {200, 404, 405, 409, 422, 504} <= set(statuses), statuses


async def test_only_well_formed_steps_skip_fastapi_and_the_rest_reach_it_unchanged():
    async with app_with(True) as app:
        await app.state.envgym.sessions.create(
            SessionCreate(env="debug/counter", task_id="count-to-8"), session_id="counter-0001"
        )
        reached: list[bytes] = []

        async def fastapi_stand_in(scope: dict, receive: Any, send: Any) -> None:
            body = b""
            while (message := await receive())["type"] == "http.request":
                body += message["body"]
                if not message["more_body"]:
                    break
            reached.append(body)
            await send({"type": "http.response.start", "status": 299, "headers": []})
            await send({"type": "http.response.body", "body": b""})

        fast = StepFastPath(fastapi_stand_in, state=app.state.envgym)
        wrapped = lambda scope, receive, send: fast({**scope, "app": app}, receive, send)  # noqa: E731
        status, headers, body = await call(wrapped, "POST", step_path("counter-0001"), [increment()])
        assert status == 200 and json.loads(body)["observation"]["data"] == {"counter": 1} and reached == []
        assert headers == [(b"content-length", str(len(body)).encode()), (b"content-type", b"application/json")]
        status, _, body = await call(wrapped, "POST", step_path("nope-0001"), [increment()])
        assert status == 404 and json.loads(body)["error"]["code"] == "unknown_session" and reached == []
        bad = b'{"action": "x", "extra": 1}'
        assert (await call(wrapped, "POST", step_path("counter-0001"), [bad[:5], bad[5:]]))[0] == 299
        assert (await call(wrapped, "POST", step_path("counter-0001"), [increment()], query=b"x=1"))[0] == 299
        assert (
            await call(wrapped, "POST", step_path("counter-0001"), [increment()], [(b"content-type", b"text/plain")])
        )[0] == 299
        assert reached == [bad, increment(), increment()]


async def test_a_client_that_goes_away_mid_step_has_it_cancelled_on_the_fast_path():
    server_testenvs.EVENTS.clear()
    async with app_with(True) as app:
        sessions = app.state.envgym.sessions
        await sessions.create(SessionCreate(env="slowtest/main", task_id="t1"), session_id="slow-0001")
        await asyncio.wait_for(
            call(app, "POST", step_path("slow-0001"), [b'{"action": "sleep"}'], disconnect_after=0.05), 10
        )
        assert server_testenvs.EVENTS[:2] == ["sleep-start", "sleep-cancelled"]
        assert sessions.get("slow-0001").status.value == "agent_error"


async def test_the_disconnect_watch_starts_only_for_work_that_is_still_running():
    reads = 0
    never = asyncio.Event()

    async def receive() -> dict:
        nonlocal reads
        reads += 1
        await never.wait()
        return {"type": "http.disconnect"}

    assert await run_watching(receive, asyncio.sleep(0, "quick")) == "quick"
    await asyncio.sleep(0.05)
    assert reads == 0  # quick work: no watch, no receive
    assert await run_watching(receive, asyncio.sleep(0.05, "slow")) == "slow"
    assert reads == 1


async def socket_session(app: Any, session_id: str, frames: list[str]) -> list[dict]:
    """A WebSocket connection straight through the ASGI app: every message the app sends."""
    path = f"/v1/sessions/{session_id}/ws"
    scope = {
        "type": "websocket",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "scheme": "ws",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "server": ("127.0.0.1", 80),
        "client": ("127.0.0.1", 1234),
        "headers": [(b"host", b"test")],
        "subprotocols": [],
        "state": {},
    }
    incoming = [{"type": "websocket.connect"}] + [{"type": "websocket.receive", "text": f} for f in frames]
    sent: list[dict] = []

    async def receive() -> dict:
        if incoming:
            return incoming.pop(0)
        await asyncio.sleep(0.01)
        return {"type": "websocket.disconnect", "code": 1000}

    async def send(message: dict) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


SOCKET_FRAMES = [
    json.dumps({"type": "reset", "id": 1, "env": "debug/counter", "task_id": "count-to-2"}),
    json.dumps({"type": "step", "id": 2, "action": json.loads(increment())["action"]}),
    json.dumps({"type": "step", "id": "x", "action": "plain text"}),
    json.dumps({"type": "step", "id": 3, "action": {"content": "x", "tool_parser": "no-such-parser"}}),
    '{"type": "step", "action": ',
    json.dumps({"type": "nope"}),
    json.dumps({"type": "step", "id": 4, "action": {"tool_calls": [{"id": "s", "function": {"name": "submit"}}]}}),
    json.dumps({"type": "step", "id": 5, "action": "after the end"}),
    json.dumps({"type": "close", "id": 6}),
]


async def test_the_socket_on_raw_asgi_answers_as_on_starlettes_websocket():
    answers = {}
    for fast in (True, False):
        async with app_with(fast) as app:
            answers[fast] = await socket_session(app, "socket-0001", SOCKET_FRAMES)
            answers[fast].append(counted((await call(app, "GET", "/metrics"))[2]))
    assert answers[True] == answers[False]
    messages = answers[True][:-1]
    kinds = [json.loads(m["text"])["type"] for m in messages if m["type"] == "websocket.send"]
    assert kinds == ["reset", "step", "step", "error", "error", "error", "step", "error", "closed"], kinds
    assert messages[0]["type"] == "websocket.accept" and messages[-1]["type"] == "websocket.close"


async def test_the_socket_route_is_served_without_fastapi():
    async with app_with(True) as app:

        async def fastapi_stand_in(scope: dict, receive: Any, send: Any) -> None:
            raise AssertionError("the socket route reached FastAPI")

        fast = StepFastPath(fastapi_stand_in, state=app.state.envgym)
        wrapped = lambda scope, receive, send: fast({**scope, "app": app}, receive, send)  # noqa: E731
        sent = await socket_session(wrapped, "socket-0002", SOCKET_FRAMES[:2])
        assert [json.loads(m["text"])["type"] for m in sent if m["type"] == "websocket.send"] == ["reset", "step"]
