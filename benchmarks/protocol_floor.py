"""The bare-app floor of ``benchmarks/protocol.py``: the least a server can do to answer envgym's
episode protocol for ``debug/counter``, as a plain ASGI callable (no framework, no validation
models, no auth, no metrics, no sandbox), under the same uvicorn settings as ``envgym serve``
(``envgym_server.cli.uvicorn_config``: uvloop, httptools with the header deadline, the same
WebSocket implementation).

Per step it does what any server of this protocol must: read the body, parse its JSON, find the
session, apply the ``increment`` call and send back JSON of the same shape and size as envgym's
reply (captured from ``envgym serve``). envgym's server CPU per step over this floor's is the
protocol's overhead ratio (issue 17: REST <= 2.5x, WebSocket <= 1.5x).

    .venv/bin/python benchmarks/protocol_floor.py --port 8123    # serve it alone
"""

from __future__ import annotations

import argparse
import json
import uuid
from typing import Any

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "increment",
            "description": "Add `by` (default 1) to the counter.",
            "parameters": {
                "type": "object",
                "properties": {
                    "by": {"type": "integer", "minimum": 1, "maximum": 10, "description": "how much to add (1 to 10)"}
                },
                "additionalProperties": False,
                "required": [],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "submit",
            "description": "Finish the episode; graded on the counter's value.",
            "parameters": {"type": "object", "properties": {}, "additionalProperties": False, "required": []},
        },
    },
]
PROMPT = "Use the increment tool until the counter is 8, then call submit."
JSON_HEADERS = [(b"content-type", b"application/json")]


def _reset(session_id: str, task_id: str, max_turns: Any) -> dict[str, Any]:
    return {
        "session_id": session_id,
        "observation": {
            "messages": [{"role": "user", "content": PROMPT, "tool_calls": None, "tool_call_id": None, "name": None}],
            "tools": TOOLS,
            "image": None,
            "data": None,
        },
        "info": {"task_id": task_id, "max_turns": max_turns},
    }


class Floor:
    """Sessions are counters; ``step`` applies the first tool call (``increment``)."""

    def __init__(self) -> None:
        self.sessions: dict[str, list[int]] = {}  # id -> [counter, turn]

    def step(self, session_id: str, action: dict[str, Any]) -> dict[str, Any] | None:
        state = self.sessions.get(session_id)
        if state is None:
            return None
        call = (action.get("tool_calls") or [{}])[0]
        args = json.loads(call.get("function", {}).get("arguments") or "{}")
        state[0] += int(args.get("by", 1))
        state[1] += 1
        return {
            "observation": {
                "messages": [
                    {
                        "role": "tool",
                        "content": f"counter = {state[0]}",
                        "tool_calls": None,
                        "tool_call_id": call.get("id"),
                        "name": None,
                    }
                ],
                "tools": None,
                "image": None,
                "data": {"counter": state[0]},
            },
            "reward": 0.0,
            "terminated": False,
            "truncated": False,
            "info": {"status": "running", "turn": state[1]},
        }

    def open(self, session_id: str, body: dict[str, Any]) -> dict[str, Any]:
        self.sessions[session_id] = [0, 0]
        return _reset(session_id, body.get("task_id", ""), (body.get("options") or {}).get("max_turns"))

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
        elif scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})

    async def _http(self, scope: dict, receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        method, parts = scope["method"], scope["path"].strip("/").split("/")
        status, reply = 404, {"error": {"code": "not_found", "message": "no such route"}}
        if method == "POST" and parts[-1] == "step" and len(parts) == 4:
            answer = self.step(parts[2], json.loads(body)["action"])
            status, reply = (200, answer) if answer is not None else (status, reply)
        elif method == "POST" and parts == ["v1", "sessions"]:
            status, reply = 201, self.open(uuid.uuid4().hex, json.loads(body))
        elif method == "DELETE" and len(parts) == 3:
            status, reply = 200, {"session_id": parts[2], "existed": self.sessions.pop(parts[2], None) is not None}
        elif method == "GET" and parts == ["healthz"]:
            status, reply = (
                200,
                {
                    "status": "ok",
                    "version": "floor",
                    "sessions_open": len(self.sessions),
                    "sessions_known": len(self.sessions),
                    "sandboxes_open": 0,
                },
            )
        data = json.dumps(reply, separators=(",", ":")).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [*JSON_HEADERS, (b"content-length", str(len(data)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": data})

    async def _websocket(self, scope: dict, receive: Any, send: Any) -> None:
        session_id = scope["path"].strip("/").split("/")[2]
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        try:
            while (message := await receive())["type"] == "websocket.receive":
                request = json.loads(message.get("text") or message.get("bytes") or b"{}")
                kind, msg_id = request.get("type"), request.get("id")
                if kind == "step":
                    reply = {"type": "step", "id": msg_id, "result": self.step(session_id, request["action"])}
                elif kind == "reset":
                    reply = {"type": "reset", "id": msg_id, **self.open(session_id, request)}
                else:
                    reply = {"type": "closed", "id": msg_id, "session_id": session_id}
                await send({"type": "websocket.send", "text": json.dumps(reply, separators=(",", ":"))})
                if kind == "close":
                    await send({"type": "websocket.close", "code": 1000})
                    break
        finally:
            self.sessions.pop(session_id, None)


def serve(port: int) -> None:
    """Serve the floor on 127.0.0.1:``port`` with ``envgym serve``'s uvicorn settings."""
    import uvicorn

    from envgym_server.cli import raise_open_files_limit, uvicorn_config
    from envgym_server.config import ServerConfig

    raise_open_files_limit()
    uvicorn.Server(uvicorn_config(Floor(), ServerConfig(host="127.0.0.1", port=port), log_level="warning")).run()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    serve(parser.parse_args().port)
