"""A small OpenAI-compatible chat-completions server for tests (and stand-in judges).

It serves ``POST /v1/chat/completions`` (and ``GET /v1/models``) on a loopback port, in a
background thread, and answers every request with whatever a function you supply returns for the
request body. That function may be sync or async and may return:

* a ``dict`` — sent as the JSON response body with status 200 (build one with ``chat_response``),
* a ``str`` — shorthand for ``chat_response(content=that_string)``,
* a ``Reply`` — full control: ``body``, ``status``, ``delay`` seconds before answering, ``headers``
  (use ``error_reply(status, message)`` for OpenAI-shaped errors such as a context-length 400).

A chat request with ``stream: true`` gets the same answer as server-sent events
(``chat_stream_events``). An exception raised by the function becomes a 500 with the exception text, so a broken script is
visible in the test's agent record rather than hanging it. Every request body received is kept in
``server.requests`` (in arrival order) for assertions.

vLLM-style extras: ``chat_response(..., token_ids=[...], prompt_token_ids=[...], logprobs=[...])``
adds ``choices[0].token_ids``, top-level ``prompt_token_ids`` and ``choices[0].logprobs.content``
in the shapes vLLM uses when a request asks for ``return_token_ids``/``logprobs``.
``fake_token_ids(text)`` gives stable, deterministic ids for a string when a test needs some.

Token-in/token-out routes, as vLLM serves them, answer when their handlers are given:
``completions`` for ``POST /v1/completions`` (a prompt of token ids; build the answer with
``completion_response``: ``choices[0].text``, ``token_ids``, ``prompt_token_ids`` and
``logprobs.tokens``/``token_logprobs``, tokens shown as ``token_id:N`` under
``return_tokens_as_token_ids``), ``tokenize`` for ``POST /tokenize`` (``messages`` rendered by the chat
template, or a ``prompt``) and ``detokenize`` for ``POST /detokenize``. ``OpenAIServer.serving(backend)``
wires all four to an object with ``chat``/``complete``/``tokenize``/``detokenize`` methods, such as
``envgym.testing.local_model.LocalModel`` (a small ``transformers`` model that really samples).

Example:
    >>> from envgym.testing.openai_server import OpenAIServer, chat_response, tool_call
    >>> def script(body):
    ...     turn = sum(m["role"] == "assistant" for m in body["messages"])
    ...     return chat_response(tool_calls=[tool_call("increment")]) if turn == 0 else "done"
    >>> with OpenAIServer(script) as server:          # doctest: +SKIP
    ...     server.base_url                            # 'http://127.0.0.1:PORT/v1'
"""

# No `from __future__ import annotations`: FastAPI must see the real `Request` class on the routes below.

import asyncio
import inspect
import itertools
import json
import socket
import threading
import time
import zlib
from dataclasses import KW_ONLY, dataclass, field
from typing import Any, Awaitable, Callable, Union

__all__ = [
    "OpenAIServer",
    "Reply",
    "chat_response",
    "chat_stream_events",
    "completion_response",
    "error_reply",
    "tool_call",
    "fake_token_ids",
    "fake_logprobs",
    "Handler",
]

ReplyLike = Union[dict[str, Any], str, "Reply"]
Handler = Callable[[dict[str, Any]], Union[ReplyLike, Awaitable[ReplyLike]]]

_ids = itertools.count(1)


@dataclass
class Reply:
    """A full response: JSON ``body``, HTTP ``status``, ``delay`` in seconds before it is sent, extra ``headers``."""

    body: Any = None
    status: int = 200
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


def tool_call(name: str, arguments: dict[str, Any] | str | None = None, call_id: str | None = None) -> dict[str, Any]:
    """One OpenAI tool call. ``arguments`` may be a dict or a raw (possibly malformed) JSON string."""
    args = arguments if isinstance(arguments, str) else json.dumps(arguments or {})
    return {"id": call_id or f"call_{next(_ids)}", "type": "function", "function": {"name": name, "arguments": args}}


def fake_token_ids(text: str) -> list[int]:
    """Deterministic pseudo token ids: one per whitespace-separated word (crc32 mod 50,000)."""
    return [zlib.crc32(w.encode()) % 50_000 for w in (text or "").split()] or [0]


def fake_logprobs(token_ids: list[int]) -> list[dict[str, Any]]:
    """vLLM-shaped ``logprobs.content`` entries for ``token_ids`` (tokens rendered as ``token_id:N``)."""
    return [
        {"token": f"token_id:{t}", "logprob": -0.01 * (1 + t % 7), "bytes": None, "top_logprobs": []} for t in token_ids
    ]


def chat_response(
    content: str | None = None,
    *,
    tool_calls: list[dict[str, Any]] | None = None,
    finish_reason: str | None = None,
    model: str = "scripted",
    usage: dict[str, int] | None = None,
    token_ids: list[int] | None = None,
    prompt_token_ids: list[int] | None = None,
    logprobs: list[dict[str, Any]] | None = None,
    reasoning_content: str | None = None,
) -> dict[str, Any]:
    """A ``chat.completion`` body with one choice. Usage defaults to word counts of the content."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = tool_calls
    if reasoning_content is not None:
        message["reasoning_content"] = reasoning_content
    choice: dict[str, Any] = {
        "index": 0,
        "message": message,
        "finish_reason": finish_reason or ("tool_calls" if tool_calls else "stop"),
        "logprobs": {"content": logprobs} if logprobs is not None else None,
    }
    if token_ids is not None:
        choice["token_ids"] = token_ids
    completion_tokens = (
        len(token_ids) if token_ids is not None else len((content or "").split()) + 8 * len(tool_calls or [])
    )
    body = _one_choice(
        "chatcmpl", "chat.completion", model, choice, len(prompt_token_ids or []) or 10, completion_tokens
    )
    if usage:
        body["usage"] = usage
    if prompt_token_ids is not None:
        body["prompt_token_ids"] = prompt_token_ids
    return body


def completion_response(
    text: str,
    token_ids: list[int],
    logprobs: list[float] | None,
    *,
    prompt_token_ids: list[int],
    finish_reason: str = "stop",
    return_token_ids: bool = True,
    tokens_as_ids: bool = True,
    tokens: list[str] | None = None,
    model: str = "scripted",
) -> dict[str, Any]:
    """A vLLM ``text_completion`` body with one choice: ``text``, ``logprobs`` (``tokens`` and
    ``token_logprobs``; tokens shown as ``token_id:N`` when ``tokens_as_ids``), and with
    ``return_token_ids`` the choice's ``token_ids`` and ``prompt_token_ids``."""
    choice: dict[str, Any] = {
        "index": 0,
        "text": text,
        "finish_reason": finish_reason,
        "stop_reason": None,
        "logprobs": None,
    }
    if logprobs is not None:
        shown = [f"token_id:{t}" for t in token_ids] if tokens_as_ids or tokens is None else tokens
        choice["logprobs"] = {
            "tokens": shown,
            "token_logprobs": list(logprobs),
            "top_logprobs": None,
            "text_offset": None,
        }
    if return_token_ids:
        choice["token_ids"] = list(token_ids)
        choice["prompt_token_ids"] = list(prompt_token_ids)
    return _one_choice("cmpl", "text_completion", model, choice, len(prompt_token_ids), len(token_ids))


def _one_choice(
    id_prefix: str, kind: str, model: str, choice: dict[str, Any], prompt_tokens: int, completion_tokens: int
) -> dict[str, Any]:
    """A response body around one choice, its usage counted from the token numbers."""
    return {
        "id": f"{id_prefix}-{next(_ids)}",
        "object": kind,
        "created": int(time.time()),
        "model": model,
        "choices": [choice],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def chat_stream_events(reply: dict[str, Any], request: dict[str, Any]) -> list[str]:
    """A ``chat.completion`` body as the server-sent events a ``stream: true`` request gets (one
    ``chat.completion.chunk`` with the whole message, one with the finish reason, the usage chunk
    when ``stream_options.include_usage``, then ``[DONE]``)."""
    choice = reply["choices"][0]
    message = choice.get("message") or {}
    delta: dict[str, Any] = {"role": "assistant", "content": message.get("content") or ""}
    if message.get("tool_calls"):
        delta["tool_calls"] = [{**c, "index": i} for i, c in enumerate(message["tool_calls"])]
    if message.get("reasoning_content") is not None:
        delta["reasoning_content"] = message["reasoning_content"]
    base = {k: reply[k] for k in ("id", "created", "model") if k in reply} | {"object": "chat.completion.chunk"}
    first = {
        **base,
        "choices": [
            {
                "index": 0,
                "delta": delta,
                "logprobs": choice.get("logprobs"),
                "finish_reason": None,
                **({"token_ids": choice["token_ids"]} if "token_ids" in choice else {}),
            }
        ],
    }
    if "prompt_token_ids" in reply:
        first["prompt_token_ids"] = reply["prompt_token_ids"]
    chunks = [first, {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": choice.get("finish_reason")}]}]
    if (request.get("stream_options") or {}).get("include_usage"):
        chunks.append({**base, "choices": [], "usage": reply.get("usage")})
    return [f"data: {json.dumps(c)}\n\n" for c in chunks] + ["data: [DONE]\n\n"]


def error_reply(
    status: int, message: str, *, type_: str = "BadRequestError", code: str | int | None = None, delay: float = 0.0
) -> Reply:
    """An OpenAI/vLLM-shaped error, e.g. ``error_reply(400, "This model's maximum context length is 4096 tokens...")``."""
    error = {"message": message, "type": type_, "param": None, "code": code if code is not None else status}
    return Reply(body={"error": error}, status=status, delay=delay)


@dataclass(eq=False)
class OpenAIServer:
    """A scripted OpenAI-compatible server on ``127.0.0.1`` (free port unless given), run in a thread.

    Use as a context manager (sync ``with`` or ``async with``) or call ``start()``/``stop()``.
    ``base_url`` ends in ``/v1`` as OpenAI clients expect. ``requests`` holds every body received.
    """

    handler: Handler
    _: KW_ONLY
    host: str = "127.0.0.1"
    port: int = 0
    api_key: str | None = None
    completions: Handler | None = None
    tokenize: Handler | None = None
    detokenize: Handler | None = None
    requests: list[dict[str, Any]] = field(default_factory=list, init=False)
    _server: Any = field(default=None, init=False, repr=False)
    _thread: threading.Thread | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @classmethod
    def serving(cls, backend: Any, **kwargs: Any) -> "OpenAIServer":
        """A server whose four routes are ``backend.chat``, ``.complete``, ``.tokenize`` and ``.detokenize``."""
        return cls(
            backend.chat,
            completions=backend.complete,
            tokenize=backend.tokenize,
            detokenize=backend.detokenize,
            **kwargs,
        )

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    # ------------------------------------------------------------------ app
    def _app(self) -> Any:
        from fastapi import FastAPI, Request
        from fastapi.responses import JSONResponse, Response, StreamingResponse

        app = FastAPI(title="envgym scripted OpenAI server")

        @app.get("/v1/models")
        async def models() -> dict[str, Any]:
            return {"object": "list", "data": [{"id": "scripted", "object": "model", "owned_by": "envgym"}]}

        async def reply_to(request: Request, handler: Handler | None, route: str) -> tuple[Reply, dict[str, Any]]:
            if handler is None:
                return error_reply(404, f"{route} is not served here", type_="NotFoundError"), {}
            if self.api_key is not None and request.headers.get("authorization") != f"Bearer {self.api_key}":
                return error_reply(401, "invalid api key", type_="AuthenticationError"), {}
            try:
                body = await request.json()
            except ValueError:
                return error_reply(400, "body is not JSON"), {}
            with self._lock:
                self.requests.append(body if route == "/v1/chat/completions" else {**body, "_route": route})
            try:
                out = handler(body)
                if inspect.isawaitable(out):
                    out = await out
            except Exception as exc:  # noqa: BLE001 — a broken script must surface as a server error, not a hang
                return error_reply(
                    500, f"handler raised {type(exc).__name__}: {exc}", type_="InternalServerError"
                ), body
            return (
                out if isinstance(out, Reply) else Reply(body=chat_response(out) if isinstance(out, str) else out)
            ), body

        async def answer(request: Request, handler: Handler | None, route: str) -> Response:
            reply, body = await reply_to(request, handler, route)
            if reply.delay:
                await asyncio.sleep(reply.delay)
            if body.get("stream") and reply.status == 200 and route == "/v1/chat/completions":
                return StreamingResponse(
                    iter(chat_stream_events(reply.body, body)),
                    media_type="text/event-stream",
                    headers=reply.headers or None,
                )
            return JSONResponse(reply.body, status_code=reply.status, headers=reply.headers or None)

        def route(path: str, attribute: str) -> None:  # the handler is read per request: a test may swap it
            async def serve(request: Request) -> Response:
                return await answer(request, getattr(self, attribute), path)

            app.post(path)(serve)

        for path, attribute in [
            ("/v1/chat/completions", "handler"),
            ("/v1/completions", "completions"),
            ("/tokenize", "tokenize"),
            ("/detokenize", "detokenize"),
        ]:
            route(path, attribute)
        return app

    # ------------------------------------------------------------------ lifecycle
    def start(self, timeout: float = 30.0) -> "OpenAIServer":
        """Start serving; returns once the port accepts connections."""
        import uvicorn

        if self._thread is not None:
            return self
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self._app(), log_level="warning", access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name=f"openai-server-{self.port}", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"scripted OpenAI server did not start on {self.host}:{self.port}")
            time.sleep(0.01)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving and join the thread (idempotent)."""
        if self._thread is None:
            return
        self._server.should_exit = True
        self._thread.join(timeout)
        self._thread = None

    def __enter__(self) -> "OpenAIServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> "OpenAIServer":
        await asyncio.to_thread(self.start)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.stop)
