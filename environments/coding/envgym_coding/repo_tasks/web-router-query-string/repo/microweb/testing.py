"""Calling an app in tests without a server: ``Client(app).get("/users", query={"limit": 5})``."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from microweb.app import App
from microweb.http import Request, Response


class Client:
    def __init__(self, app: App, headers: dict[str, str] | None = None) -> None:
        self.app = app
        self.headers = headers or {}

    def request(self, method: str, path: str, query: dict[str, Any] | None = None, json_body: Any = None,
                headers: dict[str, str] | None = None) -> Response:
        target = path + ("?" + urlencode(query, doseq=True) if query else "")
        all_headers = {**self.headers, **(headers or {})}
        body = b""
        if json_body is not None:
            body = json.dumps(json_body).encode()
            all_headers.setdefault("Content-Type", "application/json")
        return self.app.handle(Request(method, target, all_headers, body))

    def get(self, path: str, query: dict[str, Any] | None = None, **kwargs: Any) -> Response:
        return self.request("GET", path, query, **kwargs)

    def post(self, path: str, json_body: Any = None, **kwargs: Any) -> Response:
        return self.request("POST", path, json_body=json_body, **kwargs)
