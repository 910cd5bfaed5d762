"""AccessAndLimitsMiddleware driven directly as ASGI (no server, no Starlette): which requests reach
the app, what the refusals say, and that a refused request's app can send nothing more."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from envgym_server.limits import AccessAndLimitsMiddleware


class App:
    """Records what reaches it; reads the whole body, then answers 200 (as a route would)."""

    def __init__(self, read_body: bool = True) -> None:
        self.scopes: list[dict[str, Any]] = []
        self.received: list[dict[str, Any]] = []
        self.read_body = read_body

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.scopes.append(scope)
        if scope["type"] == "http" and self.read_body:
            while True:
                message = await receive()
                self.received.append(message)
                if message["type"] != "http.request" or not message.get("more_body", False):
                    break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def feed(*messages: dict[str, Any]) -> Any:
    queue = list(messages)

    async def receive() -> dict[str, Any]:
        if queue:
            return queue.pop(0)
        await asyncio.Event().wait()  # a client that sends nothing more
        raise AssertionError("unreachable")

    return receive


async def call(mw: AccessAndLimitsMiddleware, scope: dict[str, Any], *messages: dict[str, Any]) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def send(message: Any) -> None:
        sent.append(dict(message))

    await mw(scope, feed(*messages), send)
    return sent


def http(path: str = "/v1/sessions", headers: list[tuple[bytes, bytes]] | None = None) -> dict[str, Any]:
    return {"type": "http", "path": path, "headers": headers or []}


def body(chunk: bytes, more: bool = False) -> dict[str, Any]:
    return {"type": "http.request", "body": chunk, "more_body": more}


def error(sent: list[dict[str, Any]]) -> tuple[int, dict[str, Any], dict[bytes, bytes]]:
    """(status, the error object, the headers) of a refusal: exactly a start and a body."""
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"], sent
    payload = sent[1]["body"]
    headers = dict(sent[0]["headers"])
    assert headers[b"content-type"] == b"application/json"
    assert headers[b"content-length"] == str(len(payload)).encode()
    assert headers[b"connection"] == b"close"
    return sent[0]["status"], json.loads(payload)["error"], headers


def middleware(app: Any, codes: list[str] | None = None, **kw: Any) -> AccessAndLimitsMiddleware:
    kw.setdefault("token", None)
    kw.setdefault("max_body_bytes", 10)
    return AccessAndLimitsMiddleware(app, on_error=None if codes is None else codes.append, **kw)


# ---------------------------------------------------------------- auth


async def test_without_a_token_configured_every_request_reaches_the_app():
    app = App()
    sent = await call(middleware(app), http(), body(b"{}"))
    assert sent[0]["status"] == 200 and len(app.scopes) == 1


async def test_a_request_without_the_token_is_401_with_a_bearer_challenge_and_never_reaches_the_app():
    app, codes = App(), []
    sent = await call(middleware(app, codes, token="tok"), http(), body(b"{}"))
    status, err, headers = error(sent)
    assert (status, err["code"]) == (401, "unauthorized")
    assert err["message"].startswith("missing or wrong bearer token: send 'Authorization: Bearer <token>'")
    assert headers[b"www-authenticate"] == b"Bearer"
    assert app.scopes == [] and codes == ["unauthorized"]


async def test_the_right_token_passes_and_only_the_health_probes_are_open():
    app = App()
    mw = middleware(app, token="tok")
    assert (await call(mw, http(headers=[(b"authorization", b"Bearer tok")]), body(b"")))[0]["status"] == 200
    for path in ("/healthz", "/readyz"):
        assert (await call(mw, http(path), body(b"")))[0]["status"] == 200, path
    for path in ("/healthz/", "/metrics", "/", "/v1/healthz"):
        assert (await call(mw, http(path), body(b"")))[0]["status"] == 401, path
    assert [s["path"] for s in app.scopes] == ["/v1/sessions", "/healthz", "/readyz"]


async def test_lifespan_events_pass_through_even_with_a_token():
    app = App()
    await call(middleware(app, token="tok"), {"type": "lifespan"})
    assert [s["type"] for s in app.scopes] == ["lifespan"]


class Reader:
    """An app that reads one message from the server and keeps it."""

    def __init__(self) -> None:
        self.got: list[dict[str, Any]] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.got.append(await receive())


async def test_lifespan_and_websocket_apps_read_the_servers_messages():
    lifespan, ws = Reader(), Reader()
    await call(middleware(lifespan, token="tok"), {"type": "lifespan"}, {"type": "lifespan.startup"})
    scope = {"type": "websocket", "path": "/v1/ws", "headers": [(b"authorization", b"Bearer tok")]}
    await call(middleware(ws, token="tok"), scope, {"type": "websocket.connect"})
    assert (lifespan.got, ws.got) == ([{"type": "lifespan.startup"}], [{"type": "websocket.connect"}])


async def test_a_websocket_without_the_token_is_refused_with_a_401_response_where_the_server_can_send_one():
    app, codes = App(), []
    scope = {"type": "websocket", "path": "/v1/ws", "headers": [], "extensions": {"websocket.http.response": {}}}
    sent = await call(middleware(app, codes, token="tok"), scope)
    assert [m["type"] for m in sent] == ["websocket.http.response.start", "websocket.http.response.body"]
    assert sent[0]["status"] == 401
    headers = dict(sent[0]["headers"])
    assert headers[b"content-type"] == b"application/json"
    assert headers[b"content-length"] == str(len(sent[1]["body"])).encode()
    err = json.loads(sent[1]["body"])["error"]
    assert err["code"] == "unauthorized"
    assert err["message"].startswith("missing or wrong bearer token: send 'Authorization: Bearer <token>'")
    assert app.scopes == [] and codes == ["unauthorized"]


async def test_a_websocket_without_the_token_is_closed_with_1008_where_the_server_cannot_answer_http():
    app, codes = App(), []
    sent = await call(middleware(app, codes, token="tok"), {"type": "websocket", "path": "/v1/ws", "headers": []})
    assert sent == [{"type": "websocket.close", "code": 1008, "reason": "unauthorized"}]
    assert app.scopes == [] and codes == ["unauthorized"]


async def test_an_authorized_websocket_reaches_the_app_uncounted():
    app = App()
    scope = {"type": "websocket", "path": "/v1/ws", "headers": [(b"authorization", b"Bearer tok")]}
    await call(middleware(app, token="tok"), scope)
    assert app.scopes == [scope]


# ---------------------------------------------------------------- declared body size


async def test_a_declared_length_up_to_the_cap_is_read():
    app = App()
    sent = await call(middleware(app), http(headers=[(b"content-length", b"10")]), body(b"x" * 10))
    assert sent[0]["status"] == 200 and app.received == [body(b"x" * 10)]


async def test_a_declared_length_over_the_cap_is_413_before_the_app_runs():
    app, codes = App(), []
    sent = await call(middleware(app, codes), http(headers=[(b"content-length", b"11")]), body(b"x" * 11))
    status, err, _ = error(sent)
    assert (status, err["code"], err["details"]) == (413, "payload_too_large", {"max_body_bytes": 10})
    assert err["message"] == (
        "the request body (11 bytes or more) is larger than the server's limit of 10 bytes (--max-body-bytes)"
    )
    assert app.scopes == [] and codes == ["payload_too_large"]


async def test_a_content_length_that_is_not_a_number_is_422():
    app, codes = App(), []
    sent = await call(middleware(app, codes), http(headers=[(b"content-length", b"ten")]), body(b""))
    status, err, _ = error(sent)
    assert (status, err["code"], err["message"]) == (
        422,
        "invalid_request",
        "the Content-Length header is not a number",
    )
    assert app.scopes == [] and codes == ["invalid_request"]


async def test_only_the_content_length_header_is_read_as_the_declared_size():
    app = App()
    sent = await call(middleware(app), http(headers=[(b"x-length", b"999"), (b"content-length", b"3")]), body(b"abc"))
    assert sent[0]["status"] == 200


# ---------------------------------------------------------------- streamed body size


async def test_a_streamed_body_is_counted_across_chunks_up_to_the_cap():
    app = App()
    sent = await call(middleware(app), http(), body(b"x" * 4, more=True), body(b"y" * 6))
    assert sent[0]["status"] == 200
    assert app.received == [body(b"x" * 4, more=True), body(b"y" * 6)]


async def test_a_streamed_body_past_the_cap_is_413_and_the_app_sees_a_disconnect_and_can_send_nothing():
    app, codes = App(), []
    sent = await call(middleware(app, codes), http(), body(b"x" * 6, more=True), body(b"y" * 5, more=True))
    status, err, _ = error(sent)  # the app's own 200 was dropped
    assert (status, err["code"]) == (413, "payload_too_large")
    assert "(11 bytes or more)" in err["message"]
    assert app.received == [body(b"x" * 6, more=True), {"type": "http.disconnect"}]
    assert codes == ["payload_too_large"]


async def test_after_a_refusal_every_receive_is_a_disconnect():
    seen: list[dict[str, Any]] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.extend([await receive(), await receive()])

    await call(middleware(app), http(), body(b"x" * 11, more=True), body(b"never read"))
    assert seen == [{"type": "http.disconnect"}, {"type": "http.disconnect"}]


async def test_a_body_message_without_a_body_counts_nothing():
    app = App()
    sent = await call(middleware(app), http(), {"type": "http.request", "more_body": True}, body(b"x" * 10))
    assert sent[0]["status"] == 200


async def test_a_scope_without_headers_is_read_and_still_capped():
    app = App()
    assert (await call(middleware(app), {"type": "http", "path": "/v1/sessions"}, body(b"x" * 10)))[0]["status"] == 200
    status, err, _ = error(await call(middleware(App()), {"type": "http", "path": "/v1/sessions"}, body(b"x" * 11)))
    assert (status, err["code"]) == (413, "payload_too_large")


# ---------------------------------------------------------------- body deadline


def test_the_body_deadline_is_30_s_unless_set():
    assert middleware(App()).body_timeout_s == 30.0  # `envgym serve --body-timeout`'s default too (docs/server.md)


async def test_a_body_whose_chunks_take_their_time_within_the_deadline_is_read():
    chunks = [body(b"ab", more=True), body(b"cd")]

    async def receive_() -> dict[str, Any]:
        await asyncio.sleep(0)  # each chunk waits for the network, as a real one does
        return chunks.pop(0)

    app = App()
    sent: list[dict[str, Any]] = []

    async def send(message: Any) -> None:
        sent.append(dict(message))

    await middleware(app, body_timeout_s=30)(http(), receive_, send)
    assert sent[0]["status"] == 200 and app.received == [body(b"ab", more=True), body(b"cd")]


async def test_a_body_that_does_not_arrive_in_time_is_408():
    app, codes = App(), []
    sent = await call(middleware(app, codes, body_timeout_s=0.01), http(), body(b"x", more=True))
    status, err, _ = error(sent)
    assert (status, err["code"], err["details"]) == (408, "request_timeout", {"body_timeout_s": 0.01})
    assert err["message"] == ("the request body did not arrive within the server's limit of 0.01 s (--body-timeout)")
    assert app.received == [body(b"x", more=True), {"type": "http.disconnect"}]
    assert codes == ["request_timeout"]


@pytest.mark.parametrize(
    "last", [body(b"abc"), {"type": "http.request", "body": b"abc"}], ids=["more_body false", "no more_body"]
)
async def test_once_the_body_has_arrived_the_deadline_no_longer_applies(last):
    """After the body, the app may wait on receive (for a disconnect) for as long as it runs. A body
    message without ``more_body`` is the last one (ASGI's default)."""
    later: list[dict[str, Any]] = []
    sent: list[dict[str, Any]] = []

    async def receive_() -> dict[str, Any]:
        if not later:
            later.append(last)
            return later[0]
        await asyncio.sleep(0.05)  # longer than the body deadline, on the loop's clock
        return {"type": "http.disconnect"}

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert await receive() == last
        assert await receive() == {"type": "http.disconnect"}
        await send({"type": "http.response.start", "status": 200, "headers": []})

    async def send(message: Any) -> None:
        sent.append(dict(message))

    await middleware(app, body_timeout_s=0.01)(http(), receive_, send)
    assert [m.get("status") for m in sent] == [200]
