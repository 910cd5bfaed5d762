"""Serving an app over WSGI: turning the environ into a Request and the Response into WSGI's answer."""

from __future__ import annotations

from typing import Any, Callable, Iterable

from microweb.http import Request, Response

MAX_BODY = 1024 * 1024


def request_from_environ(environ: dict[str, Any]) -> Request:
    headers = {key[5:].replace("_", "-"): value for key, value in environ.items() if key.startswith("HTTP_")}
    # CGI keeps these two headers out of the HTTP_ namespace.
    for key, name in (("CONTENT_TYPE", "Content-Type"), ("CONTENT_LENGTH", "Content-Length")):
        if environ.get(key):
            headers[name] = environ[key]
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(min(length, MAX_BODY)) if length > 0 else b""
    target = environ.get("PATH_INFO") or "/"
    if environ.get("QUERY_STRING"):
        target += "?" + environ["QUERY_STRING"]
    return Request(environ.get("REQUEST_METHOD", "GET"), target, headers, body)


def respond(response: Response, start_response: Callable[..., Any], head: bool = False) -> Iterable[bytes]:
    headers = [*response.headers.items(), ("Content-Length", str(len(response.body)))]
    start_response(response.status_line, headers)
    return [] if head else [response.body]
