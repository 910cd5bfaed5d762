"""Limits that are on by default: body cap, capacity, step timeout, idle reaping, shutdown, auth."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import httpx
import pytest

import server_testenvs
from server_helpers import running_app

from envgym_server import ServerConfig, create_app
from envgym_server.config import is_loopback


def code_of(response: httpx.Response) -> str:
    return response.json()["error"]["code"]


# ---------------------------------------------------------------------- body size


async def test_declared_oversized_body_is_413_before_reading():
    async with running_app(max_body_bytes=4096) as (_, raw, _):
        big = b'{"env": "debug/echo", "task_id": "echo-1", "options": {"x": "' + b"a" * 10_000 + b'"}}'
        response = await raw.post("/v1/sessions", content=big, headers={"content-type": "application/json"})
        assert response.status_code == 413 and code_of(response) == "payload_too_large"
        assert response.json()["error"]["details"]["max_body_bytes"] == 4096


async def test_streamed_oversized_body_is_refused_while_reading():
    sent = 0

    async def chunks():
        nonlocal sent
        yield b'{"env": "debug/echo", "task_id": "echo-1", "options": {"x": "'
        for _ in range(1000):  # 1 MB in 1 KB chunks, without a Content-Length
            sent += 1
            yield b"a" * 1024
        yield b'"}}'

    async with running_app(max_body_bytes=8192) as (_, raw, _):
        response = await raw.post("/v1/sessions", content=chunks(), headers={"content-type": "application/json"})
        assert response.status_code == 413 and code_of(response) == "payload_too_large"
        assert sent < 50, f"the server read {sent} KB of a body capped at 8 KB"
        assert (await raw.get("/healthz")).json()["sessions_open"] == 0


async def test_body_under_the_cap_is_fine():
    async with running_app(max_body_bytes=4096) as (_, raw, _):
        response = await raw.post("/v1/sessions", json={"env": "debug/echo", "task_id": "echo-1", "options": {"x": "a" * 2000}})
        assert response.status_code == 201


# ---------------------------------------------------------------------- capacity


async def test_capacity_exhausted_is_immediate_503_with_retry_after():
    async with running_app(max_sessions=2) as (_, raw, _):
        sids = [(await raw.post("/v1/sessions", json={"env": "debug/echo", "task_id": "echo-1"})).json()["session_id"] for _ in range(2)]
        started = time.monotonic()
        full = await raw.post("/v1/sessions", json={"env": "debug/echo", "task_id": "echo-1"})
        assert time.monotonic() - started < 5
        assert full.status_code == 503 and code_of(full) == "capacity_exhausted"
        assert int(full.headers["retry-after"]) >= 1
        await raw.delete(f"/v1/sessions/{sids[0]}")
        assert (await raw.post("/v1/sessions", json={"env": "debug/echo", "task_id": "echo-1"})).status_code == 201


async def test_finished_sessions_free_their_slot():
    async with running_app(max_sessions=1) as (_, raw, _):
        sid = (await raw.post("/v1/sessions", json={"env": "debug/echo", "task_id": "echo-3"})).json()["session_id"]
        await raw.post(f"/v1/sessions/{sid}/step", json={"action": "delta"})
        await asyncio.sleep(0.05)  # the finished episode is released in the background
        assert (await raw.post("/v1/sessions", json={"env": "debug/echo", "task_id": "echo-1"})).status_code == 201


async def test_concurrent_creations_never_overshoot():
    async with running_app(max_sessions=5) as (app, raw, _):
        replies = await asyncio.gather(*(raw.post("/v1/sessions", json={"env": "slowtest/main", "task_id": "t1"}) for _ in range(20)))
        assert sorted(r.status_code for r in replies) == [201] * 5 + [503] * 15
        assert app.state.envgym.sessions.open_count == 5


# ---------------------------------------------------------------------- step timeout


async def test_step_timeout_cancels_the_work_and_ends_the_session():
    server_testenvs.EVENTS.clear()
    async with running_app(step_timeout_s=1.0) as (app, raw, _):
        created = (await raw.post("/v1/sessions", json={"env": "slowtest/main", "task_id": "t1", "options": {"sandbox": True}})).json()
        sid, workspace = created["session_id"], Path(created["info"]["workspace"])
        assert workspace.is_dir()
        response = await raw.post(f"/v1/sessions/{sid}/step", json={"action": "sleep"})
        assert response.status_code == 504 and code_of(response) == "step_timeout"
        assert server_testenvs.EVENTS[:3] == ["sleep-start", "sleep-cancelled", "closed"]
        state = (await raw.get(f"/v1/sessions/{sid}")).json()
        assert state["status"] == "timeout" and state["closed"]
        assert not workspace.exists(), "the session's sandbox must be closed after a timeout"
        again = await raw.post(f"/v1/sessions/{sid}/step", json={"action": "x"})
        assert again.status_code == 409 and code_of(again) == "session_closed"
        assert (await raw.get("/healthz")).json()["sessions_open"] == 0
        await asyncio.sleep(0.5)
        assert "sleep-finished" not in server_testenvs.EVENTS


async def test_step_timeout_kills_a_running_sandbox_command():
    async with running_app(step_timeout_s=3.0) as (_, raw, _):
        created = (await raw.post("/v1/sessions", json={"env": "slowtest/main", "task_id": "t1", "options": {"sandbox": True}})).json()
        sid, workspace = created["session_id"], Path(created["info"]["workspace"])
        task = asyncio.ensure_future(raw.post(f"/v1/sessions/{sid}/step", json={"action": "exec"}))
        for _ in range(140):
            if (workspace / "pid").exists() and (workspace / "pid").read_text().strip():
                break
            await asyncio.sleep(0.02)
        pid = int((workspace / "pid").read_text())
        response = await task
        assert response.status_code == 504
        await asyncio.sleep(0.2)
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
        assert not workspace.exists()


# ---------------------------------------------------------------------- idle reaping and shutdown


async def test_idle_sessions_are_reaped():
    server_testenvs.EVENTS.clear()
    async with running_app(idle_timeout_s=1.0, reap_interval_s=0.05) as (_, raw, _):
        sid = (await raw.post("/v1/sessions", json={"env": "slowtest/main", "task_id": "t1"})).json()["session_id"]
        busy = (await raw.post("/v1/sessions", json={"env": "slowtest/main", "task_id": "t1"})).json()["session_id"]
        for _ in range(20):  # keep one session active while the other idles past the limit
            await asyncio.sleep(0.1)
            assert (await raw.post(f"/v1/sessions/{busy}/step", json={"action": "noop"})).status_code == 200
        gone = await raw.get(f"/v1/sessions/{sid}")
        assert gone.status_code == 404 and code_of(gone) == "unknown_session"
        assert (await raw.get(f"/v1/sessions/{busy}")).status_code == 200
        assert "closed" in server_testenvs.EVENTS
        assert 'envgym_sessions_reaped_total 1.0' in (await raw.get("/metrics")).text


async def test_shutdown_closes_every_session_and_sandbox():
    server_testenvs.EVENTS.clear()
    workspaces = []
    async with running_app() as (app, raw, _):
        for _ in range(3):
            created = (await raw.post("/v1/sessions", json={"env": "slowtest/main", "task_id": "t1", "options": {"sandbox": True}})).json()
            workspaces.append(Path(created["info"]["workspace"]))
        assert (await raw.get("/healthz")).json()["sandboxes_open"] == 3
        assert all(w.is_dir() for w in workspaces)
        pending = asyncio.ensure_future(raw.post(f"/v1/sessions/{created['session_id']}/step", json={"action": "sleep"}))
        await asyncio.sleep(0.1)
    # Leaving the lifespan is the server's shutdown.
    assert server_testenvs.EVENTS.count("closed") == 3
    assert not any(w.exists() for w in workspaces)
    assert app.state.envgym.sessions.open_count == 0 and app.state.envgym.context.tracker.open_count() == 0
    response = await pending
    assert response.status_code == 409 and code_of(response) == "session_closed"


def test_sigterm_shuts_a_real_server_down_gracefully(tmp_path):
    from server_proc import ServerProcess

    markers = tmp_path / "markers"
    markers.mkdir()
    with ServerProcess(settings={"marker_dir": str(markers)}) as server:
        workspaces = []
        for _ in range(2):
            created = httpx.post(f"{server.url}/v1/sessions", json={"env": "slowtest/main", "task_id": "t1", "options": {"sandbox": True}}).json()
            workspaces.append(Path(created["info"]["workspace"]))
        assert all(w.is_dir() for w in workspaces)
        assert server.terminate() in (0, -15)  # uvicorn re-raises the signal after its graceful shutdown
    assert len(list(markers.glob("*.closed"))) == 2
    assert not any(w.exists() for w in workspaces)


# ---------------------------------------------------------------------- auth


def test_non_loopback_bind_without_token_is_refused():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.0.2.2") and not is_loopback("example.org")
    with pytest.raises(ValueError, match="needs a bearer token"):
        ServerConfig(host="0.0.0.0", token=None)
    with pytest.raises(ValueError, match="needs a bearer token"):
        create_app(ServerConfig(host="0.0.0.0", token=""))  # an empty token is no token


def test_envgym_serve_refuses_to_start_open_on_the_network():
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "ENVGYM_TOKEN"}
    result = subprocess.run([str(Path(sys.executable).with_name("envgym")), "serve", "--host", "0.0.0.0", "--port", "1"],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 2 and "ENVGYM_TOKEN" in result.stderr


async def test_token_is_required_on_every_route_but_healthz():
    async with running_app(host="0.0.0.0", token="s3cret") as (_, authed, _):
        transport = authed._transport
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as anon:
            assert (await anon.get("/healthz")).status_code == 200
            for method, path in (("GET", "/v1/environments"), ("POST", "/v1/sessions"), ("GET", "/metrics"),
                                 ("DELETE", "/v1/sessions/abc"), ("GET", "/openapi.json")):
                response = await anon.request(method, path)
                assert response.status_code == 401 and code_of(response) == "unauthorized", path
            wrong = await anon.get("/v1/environments", headers={"authorization": "Bearer nope"})
            assert wrong.status_code == 401
            basic = await anon.get("/v1/environments", headers={"authorization": "Basic czNjcmV0"})
            assert basic.status_code == 401
        assert (await authed.get("/v1/environments")).status_code == 200


def _non_loopback_address() -> str | None:
    import socket

    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            if not is_loopback(info[4][0]):
                return info[4][0]
    except OSError:
        pass
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(("192.0.2.1", 9))  # no packet is sent; this only picks the outgoing interface
            address = sock.getsockname()[0]
        except OSError:
            return None
    return None if is_loopback(address) else address


def test_real_server_on_a_non_loopback_address_requires_the_token():
    from server_proc import ServerProcess

    address = _non_loopback_address()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address")
    with ServerProcess(host=address, token="tok-123") as server:
        assert httpx.get(f"{server.url}/healthz").status_code == 200
        missing = httpx.get(f"{server.url}/v1/environments")
        assert missing.status_code == 401 and code_of(missing) == "unauthorized"
        wrong = httpx.post(f"{server.url}/v1/sessions", json={"env": "debug/echo", "task_id": "echo-1"},
                           headers={"authorization": "Bearer wrong"})
        assert wrong.status_code == 401
        ok = httpx.get(f"{server.url}/v1/environments/debug/echo", headers={"authorization": "Bearer tok-123"}, timeout=60)
        assert ok.status_code == 200
