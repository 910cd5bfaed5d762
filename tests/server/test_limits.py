"""Limits that are on by default: body cap, capacity, step timeout, idle reaping, shutdown, auth."""

from __future__ import annotations

import asyncio
import hmac
import os
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
        response = await raw.post(
            "/v1/sessions", json={"env": "debug/echo", "task_id": "echo-1", "options": {"x": "a" * 2000}}
        )
        assert response.status_code == 201


# ---------------------------------------------------------------------- capacity


async def test_capacity_exhausted_is_immediate_503_with_retry_after():
    async with running_app(max_sessions=2) as (_, raw, _):
        sids = [
            (await raw.post("/v1/sessions", json={"env": "debug/echo", "task_id": "echo-1"})).json()["session_id"]
            for _ in range(2)
        ]
        # Answered at once rather than queued: a third session is refused although none is freed meanwhile
        # (how fast is benchmarks/protocol.py's business, not a test's).
        full = await raw.post("/v1/sessions", json={"env": "debug/echo", "task_id": "echo-1"})
        assert full.status_code == 503 and code_of(full) == "capacity_exhausted"
        assert int(full.headers["retry-after"]) >= 1
        await raw.delete(f"/v1/sessions/{sids[0]}")
        assert (await raw.post("/v1/sessions", json={"env": "debug/echo", "task_id": "echo-1"})).status_code == 201


async def test_finished_sessions_free_their_slot():
    async with running_app(max_sessions=1) as (_, raw, _):
        sid = (await raw.post("/v1/sessions", json={"env": "debug/echo", "task_id": "echo-3"})).json()["session_id"]
        await raw.post(f"/v1/sessions/{sid}/step", json={"action": "delta"})
        # The finished episode was released before its last step was answered: no wait needed.
        assert (await raw.post("/v1/sessions", json={"env": "debug/echo", "task_id": "echo-1"})).status_code == 201


async def test_concurrent_creations_never_overshoot():
    async with running_app(max_sessions=5) as (app, raw, _):
        replies = await asyncio.gather(
            *(raw.post("/v1/sessions", json={"env": "slowtest/main", "task_id": "t1"}) for _ in range(20))
        )
        assert sorted(r.status_code for r in replies) == [201] * 5 + [503] * 15
        assert app.state.envgym.sessions.open_count == 5


# ---------------------------------------------------------------------- step timeout


async def test_step_timeout_cancels_the_work_and_ends_the_session():
    server_testenvs.EVENTS.clear()
    async with running_app(step_timeout_s=1.0) as (app, raw, _):
        created = (
            await raw.post("/v1/sessions", json={"env": "slowtest/main", "task_id": "t1", "options": {"sandbox": True}})
        ).json()
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
        assert "sleep-finished" not in server_testenvs.EVENTS


async def test_step_timeout_kills_a_running_sandbox_command():
    async with running_app(step_timeout_s=3.0) as (_, raw, _):
        created = (
            await raw.post("/v1/sessions", json={"env": "slowtest/main", "task_id": "t1", "options": {"sandbox": True}})
        ).json()
        sid, workspace = created["session_id"], Path(created["info"]["workspace"])
        task = asyncio.ensure_future(raw.post(f"/v1/sessions/{sid}/step", json={"action": "exec"}))
        for _ in range(140):
            if (workspace / "pid").exists() and (workspace / "pid").read_text().strip():
                break
            await asyncio.sleep(0.02)
        pid = int((workspace / "pid").read_text())
        response = await task
        assert response.status_code == 504
        for _ in range(600):  # the process group is killed as the session closes; poll until it is reaped
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            await asyncio.sleep(0.05)
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
        assert "envgym_sessions_reaped_total 1.0" in (await raw.get("/metrics")).text


async def test_shutdown_closes_every_session_and_sandbox():
    server_testenvs.EVENTS.clear()
    workspaces = []
    async with running_app() as (app, raw, _):
        for _ in range(3):
            created = (
                await raw.post(
                    "/v1/sessions", json={"env": "slowtest/main", "task_id": "t1", "options": {"sandbox": True}}
                )
            ).json()
            workspaces.append(Path(created["info"]["workspace"]))
        assert (await raw.get("/healthz")).json()["sandboxes_open"] == 3
        assert all(w.is_dir() for w in workspaces)
        pending = asyncio.ensure_future(
            raw.post(f"/v1/sessions/{created['session_id']}/step", json={"action": "sleep"})
        )
        for _ in range(600):
            if "sleep-start" in server_testenvs.EVENTS:
                break
            await asyncio.sleep(0.01)
        assert "sleep-start" in server_testenvs.EVENTS
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
            created = httpx.post(
                f"{server.url}/v1/sessions",
                json={"env": "slowtest/main", "task_id": "t1", "options": {"sandbox": True}},
            ).json()
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
    result = subprocess.run(
        [str(Path(sys.executable).with_name("envgym")), "serve", "--host", "0.0.0.0", "--port", "1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 2 and "ENVGYM_TOKEN" in result.stderr


async def test_token_is_required_on_every_route_but_healthz():
    async with running_app(host="0.0.0.0", token="s3cret") as (_, authed, _):
        transport = authed._transport
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as anon:
            assert (await anon.get("/healthz")).status_code == 200
            for method, path in (
                ("GET", "/v1/environments"),
                ("POST", "/v1/sessions"),
                ("GET", "/metrics"),
                ("DELETE", "/v1/sessions/abc"),
                ("GET", "/openapi.json"),
            ):
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
        wrong = httpx.post(
            f"{server.url}/v1/sessions",
            json={"env": "debug/echo", "task_id": "echo-1"},
            headers={"authorization": "Bearer wrong"},
        )
        assert wrong.status_code == 401
        ok = httpx.get(
            f"{server.url}/v1/environments/debug/echo", headers={"authorization": "Bearer tok-123"}, timeout=60
        )
        assert ok.status_code == 200


def test_token_check_is_exact_and_constant_time(monkeypatch):
    from envgym_server.limits import AccessAndLimitsMiddleware

    mw = AccessAndLimitsMiddleware(app=None, token="s3cret", max_body_bytes=1024)

    def ok(value: bytes | None) -> bool:
        return mw.authorized({"headers": [] if value is None else [(b"authorization", value)]})

    assert ok(b"Bearer s3cret") and ok(b"bearer s3cret") and ok(b"BEARER s3cret")  # the scheme is case-insensitive
    assert ok(b"Bearer  s3cret")  # RFC 9110: one or more spaces after the scheme
    assert not mw.authorized({})  # a scope without headers carries no token
    assert AccessAndLimitsMiddleware(app=None, token=None, max_body_bytes=1024).authorized(
        {}
    )  # no token configured: open
    for wrong in (
        None,
        b"",
        b"Bearer",
        b"Bearer ",
        b"Bearer s3cre",
        b"Bearer s",
        b"Bearer s3cretX",
        b"Bearer s3cret s3cret",
        b"Bearer S3CRET",
        b"Basic s3cret",
        b"s3cret",
        b"Bearers3cret",
        b"Bearer	s3cret x",
    ):
        assert not ok(wrong), wrong
    calls = []
    real = hmac.compare_digest
    monkeypatch.setattr("envgym_server.limits.hmac.compare_digest", lambda a, b: calls.append((a, b)) or real(a, b))
    assert ok(b"Bearer s3cret") and calls == [(b"s3cret", b"s3cret")]


async def test_an_environment_that_swallows_the_cancellation_still_times_out():
    server_testenvs.EVENTS.clear()
    async with running_app(step_timeout_s=0.5) as (_, raw, _):
        sid = (
            await raw.post("/v1/sessions", json={"env": "slowtest/main", "task_id": "t1", "options": {"swallow": True}})
        ).json()["session_id"]
        response = await raw.post(f"/v1/sessions/{sid}/step", json={"action": "sleep"})
        assert "sleep-cancelled" in server_testenvs.EVENTS  # it did swallow it and answered normally ...
        assert response.status_code == 504 and code_of(response) == "step_timeout"  # ... which is still a timeout
        assert (await raw.get(f"/v1/sessions/{sid}")).json()["status"] == "timeout"


async def test_the_reaper_never_closes_a_session_whose_step_is_running():
    server_testenvs.EVENTS.clear()
    async with running_app(idle_timeout_s=1.0, reap_interval_s=3600) as (app, raw, _):
        sessions = app.state.envgym.sessions
        sid = (await raw.post("/v1/sessions", json={"env": "slowtest/main", "task_id": "t1"})).json()["session_id"]
        step = asyncio.ensure_future(raw.post(f"/v1/sessions/{sid}/step", json={"action": "sleep"}))
        for _ in range(600):
            if "sleep-start" in server_testenvs.EVENTS:
                break
            await asyncio.sleep(0.01)
        sessions.get(sid).last_active -= 3600  # idle "for an hour" by the clock, but its step is running
        assert await sessions.reap_idle() == 0
        assert sessions.get(sid).status.value == "running" and not step.done()
        await raw.delete(f"/v1/sessions/{sid}")
        assert (await step).status_code == 409


async def test_sessions_older_than_the_lifetime_are_ended():
    async with running_app(max_session_lifetime_s=3600, reap_interval_s=3600) as (app, raw, _):
        sessions = app.state.envgym.sessions
        old = (await raw.post("/v1/sessions", json={"env": "debug/echo", "task_id": "echo-1"})).json()["session_id"]
        young = (await raw.post("/v1/sessions", json={"env": "debug/echo", "task_id": "echo-1"})).json()["session_id"]
        sessions.get(old).started -= 7200
        assert await sessions.reap_idle() == 1
        assert (await raw.get(f"/v1/sessions/{old}")).status_code == 404
        assert (await raw.get(f"/v1/sessions/{young}")).status_code == 200
        assert (await raw.get("/healthz")).json()["sessions_open"] == 1


async def test_finished_sessions_are_capped_oldest_first():
    async with running_app(max_finished_sessions=2) as (_, raw, _):
        sids = []
        for _ in range(3):
            sid = (await raw.post("/v1/sessions", json={"env": "debug/echo", "task_id": "echo-3"})).json()["session_id"]
            assert (await raw.post(f"/v1/sessions/{sid}/step", json={"action": "delta"})).json()["terminated"]
            sids.append(sid)
        assert [(await raw.get(f"/v1/sessions/{sid}")).status_code for sid in sids] == [404, 200, 200]
        running = (await raw.post("/v1/sessions", json={"env": "debug/echo", "task_id": "echo-3"})).json()["session_id"]
        assert (await raw.get(f"/v1/sessions/{running}")).status_code == 200  # open sessions are never dropped


async def test_a_finished_episode_releases_its_sandbox_before_the_answer():
    async with running_app() as (_, raw, _):
        created = (
            await raw.post("/v1/sessions", json={"env": "slowtest/main", "task_id": "t1", "options": {"sandbox": True}})
        ).json()
        workspace = Path(created["info"]["workspace"])
        final = await raw.post(f"/v1/sessions/{created['session_id']}/step", json={"action": "done"})
        assert final.json()["terminated"]
        assert not workspace.exists()
        assert (await raw.get("/healthz")).json()["sandboxes_open"] == 0


async def test_hand_made_tasks_are_capped_but_suite_tasks_are_not():
    async with running_app(max_task_memory_mb=512) as (_, raw, _):
        hand_made = {"id": "big", "suite": "main", "prompt": "x", "payload": {"memory_mb": 131072}}
        response = await raw.post(
            "/v1/sessions", json={"env": "slowtest/main", "task": hand_made, "options": {"sandbox": True}}
        )
        assert response.status_code == 422 and code_of(response) == "invalid_request"
        error = response.json()["error"]
        assert "max_task_memory_mb" in error["message"] and error["details"]["cap"] == "max_task_memory_mb"
        small = {**hand_made, "payload": {"memory_mb": 256}}
        assert (
            await raw.post("/v1/sessions", json={"env": "slowtest/main", "task": small, "options": {"sandbox": True}})
        ).status_code == 201
        # The installed suite's task asks for 1024 MB, over this cap: the operator's tasks are not capped.
        assert (
            await raw.post("/v1/sessions", json={"env": "slowtest/main", "task_id": "t1", "options": {"sandbox": True}})
        ).status_code == 201
        assert (await raw.get("/healthz")).json()["sessions_open"] == 2


def test_the_step_timeout_reaches_environments_as_their_command_budget():
    from envgym.kernel.step_budget import StepBudget
    from envgym_server import ServerConfig, create_app

    app = create_app(ServerConfig(sandbox="process", step_timeout_s=30.0))
    context = app.state.envgym.context
    assert context.setting("step_timeout_s") == 30.0
    assert StepBudget.of(context).total == 10.0  # 30 s less the spare: commands end before the step times out
    overridden = create_app(ServerConfig(sandbox="process", step_timeout_s=30.0, settings={"step_timeout_s": 300}))
    assert overridden.state.envgym.context.setting("step_timeout_s") == 30.0
