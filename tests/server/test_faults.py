"""Faults a hostile or careless client can cause, against a real uvicorn server: pathological
answers being graded, clients that vanish mid-step, slow requests, and shutdown/start-up cleanup.
Every wait is bounded polling on a condition; no test asserts a duration."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import time
from pathlib import Path

import httpx
import pytest
from server_proc import ServerProcess
from websockets.asyncio.client import connect

TASK = {"id": "g1", "suite": "s", "prompt": "?", "private": {"answer": "42", "pattern": "(a+)+$"}}


def wait_for(condition, timeout: float = 60.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture(scope="module")
def grading_server():
    with ServerProcess(step_timeout_s=20) as server:
        yield server


PATHOLOGICAL = [
    {"grader": "regex", "task": TASK, "submission": {"answer": "a" * 40 + "!"}},
    {
        "grader": "regex",
        "grader_config": {"pattern": r"^(\w+\s?)*$"},
        "task": TASK,
        "submission": {"answer": "word " * 50_000 + "!"},
    },
    {"grader": "numeric", "task": TASK, "submission": {"answer": "1e30000000"}},
    {"grader": "numeric", "task": TASK, "submission": {"answer": "1e999"}},
    {"grader": "numeric", "task": TASK, "submission": {"answer": "9" * 1_000_000}},
    {"grader": "numeric", "task": TASK, "submission": {"answer": "NaN"}},
    {"grader": "exact", "task": TASK, "submission": {"answer": " x" * 1_000_000}},
    {
        "grader": "weighted",
        "grader_config": {"components": [{"name": "n", "grader": "numeric"}, {"name": "r", "grader": "regex"}]},
        "task": TASK,
        "submission": {"answer": "1e30000000" + "a" * 40 + "!"},
    },
    {"env": "reasoning/chain_sum", "task_id": "0000", "submission": {"answer": "<answer>" * 200_000}},
    {"env": "reasoning/chain_sum", "task_id": "0000", "submission": {"answer": "<think>" + "answer:" * 100_000}},
]


async def test_pathological_answers_score_zero_while_the_server_stays_responsive(grading_server):
    async with httpx.AsyncClient(base_url=grading_server.url, timeout=120) as client:
        grades = [asyncio.ensure_future(client.post("/v1/grade", json=body)) for body in PATHOLOGICAL]
        healthy = [(await client.get("/healthz")).status_code for _ in range(5)]
        replies = await asyncio.gather(*grades)
    assert healthy == [200] * 5
    for body, reply in zip(PATHOLOGICAL, replies):
        assert reply.status_code == 200, (body.get("grader") or body.get("env"), reply.text[:300])
        grade = reply.json()
        assert grade["status"] == "ok" and grade["reward"] == 0.0, (body.get("grader") or body.get("env"), grade)


async def test_healthz_answers_while_a_runaway_grade_runs_and_the_grade_is_stopped(grading_server):
    async with httpx.AsyncClient(base_url=grading_server.url, timeout=120) as client:
        body = {
            "grader": "spin_test",
            "grader_config": {"cpu_budget_s": 2},
            "task": TASK,
            "submission": {"answer": "x"},
        }
        grading = asyncio.ensure_future(client.post("/v1/grade", json=body))
        for _ in range(3):
            assert (await client.get("/healthz")).status_code == 200
        assert not grading.done(), "the healthz probes were answered while the runaway grade was still running"
        grade = (await grading).json()
    assert (
        grade["status"] == "ok" and grade["reward"] == 0.0 and "budget of 2 CPU seconds" in grade["details"]["reason"]
    )


async def test_the_grade_timeout_cancels_a_grade_that_outlasts_it():
    with ServerProcess(step_timeout_s=2) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=120) as client:
            body = {
                "grader": "spin_test",
                "grader_config": {"cpu_budget_s": 600},
                "task": TASK,
                "submission": {"answer": "x"},
            }
            reply = await client.post("/v1/grade", json=body)
            assert reply.status_code == 504 and reply.json()["error"]["code"] == "step_timeout"
            ok = await client.post(
                "/v1/grade", json={"grader": "numeric", "task": TASK, "submission": {"answer": "42"}}
            )
            assert ok.json()["reward"] == 1.0


# ---------------------------------------------------------------------- vanished and slow clients


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def _start_exec_step(server: ServerProcess) -> tuple[str, Path, int, socket.socket]:
    created = httpx.post(
        f"{server.url}/v1/sessions", json={"env": "slowtest/main", "task_id": "t1", "options": {"sandbox": True}}
    ).json()
    sid, workspace = created["session_id"], Path(created["info"]["workspace"])
    body = json.dumps({"action": "exec"}).encode()
    sock = socket.create_connection((server.config["host"], server.config["port"]))
    sock.sendall(
        f"POST /v1/sessions/{sid}/step HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\n\r\n".encode()
        + body
    )
    wait_for(
        lambda: (workspace / "pid").exists() and (workspace / "pid").read_text().strip() != "",
        what="the command to start",
    )
    return sid, workspace, int((workspace / "pid").read_text()), sock


def test_clients_that_vanish_mid_step_have_the_step_cancelled_and_cost_nothing():
    with ServerProcess() as server:
        # REST: the client closes its connection during a long sandbox command.
        sid, workspace, pid, sock = _start_exec_step(server)
        sock.close()
        wait_for(lambda: not _pid_alive(pid), what="the sandbox command to be killed")
        wait_for(lambda: not workspace.exists(), what="the sandbox to be removed")
        state = httpx.get(f"{server.url}/v1/sessions/{sid}").json()
        assert state["closed"] and state["status"] == "agent_error"
        assert not (workspace / "finished").exists()

        # WebSocket attached to a REST session: the socket drops during the step.
        async def ws_case() -> None:
            created = httpx.post(
                f"{server.url}/v1/sessions",
                json={"env": "slowtest/main", "task_id": "t1", "options": {"sandbox": True}},
            ).json()
            ws_sid, ws_workspace = created["session_id"], Path(created["info"]["workspace"])
            ws = await connect(server.url.replace("http://", "ws://") + f"/v1/sessions/{ws_sid}/ws")
            await ws.send(json.dumps({"type": "step", "action": "exec"}))
            wait_for(lambda: (ws_workspace / "pid").exists() and (ws_workspace / "pid").read_text().strip() != "")
            ws_pid = int((ws_workspace / "pid").read_text())
            ws.transport.abort()  # the connection drops, no closing handshake
            for _ in range(1200):
                if not _pid_alive(ws_pid) and not ws_workspace.exists():
                    break
                await asyncio.sleep(0.05)
            assert not _pid_alive(ws_pid) and not ws_workspace.exists()
            assert httpx.get(f"{server.url}/v1/sessions/{ws_sid}").json()["status"] == "agent_error"

        asyncio.run(ws_case())
        assert httpx.get(f"{server.url}/healthz").json()["sandboxes_open"] == 0
        server.terminate()
        output = server.output()
    assert "Traceback" not in output and "ERROR" not in output, output[-3000:]


def _closed_by_server(sock: socket.socket) -> bytes:
    sock.settimeout(120)
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk


def test_slow_headers_and_slow_bodies_are_cut_off():
    with ServerProcess(header_timeout_s=1, body_timeout_s=1) as server:
        address = (server.config["host"], server.config["port"])
        silent = socket.create_connection(address)  # connects and sends nothing
        partial = socket.create_connection(address)
        partial.sendall(b"POST /v1/sessions HTTP/1.1\r\nhost: x\r\ncontent-")  # headers never end
        assert _closed_by_server(silent) == b""
        assert _closed_by_server(partial) == b""
        slow_body = socket.create_connection(address)
        slow_body.sendall(
            b"POST /v1/sessions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
            b'content-length: 100\r\n\r\n{"env": '
        )
        answer = _closed_by_server(slow_body)
        assert answer.startswith(b"HTTP/1.1 408") and b'"request_timeout"' in answer
        # A keep-alive client between requests is the keep-alive timeout's business, not cut at 1 s.
        with httpx.Client(base_url=server.url) as client:
            assert client.get("/healthz").status_code == 200
            assert client.post("/v1/sessions", json={"env": "debug/echo", "task_id": "echo-1"}).status_code == 201


# ---------------------------------------------------------------------- shutdown and start-up


def test_sigterm_closes_the_providers_and_start_up_recovers(tmp_path, monkeypatch):
    markers = tmp_path / "markers"
    markers.mkdir()
    monkeypatch.setenv("ENVGYM_TEST_PROVIDER_MARKERS", str(markers))
    with ServerProcess(sandbox="marker") as server:
        pid = server.proc.pid
        assert (markers / f"recovered-{pid}").exists()  # recover() ran at start-up, before serving
        assert server.terminate() in (0, -15)
    assert (markers / f"closed-{pid}").exists()  # SIGTERM: uvicorn's shutdown closed the providers
    with ServerProcess(sandbox="marker") as server:  # killed without a chance to clean up ...
        server.proc.kill()
        server.proc.wait()
        assert not (markers / f"closed-{server.proc.pid}").exists()
    with ServerProcess(sandbox="marker") as server:  # ... so the next start sweeps
        assert (markers / f"recovered-{server.proc.pid}").exists()
