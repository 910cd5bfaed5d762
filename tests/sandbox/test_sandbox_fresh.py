"""A new sandbox carries nothing of any other, closed or still running (isolated providers).

What one sandbox could leave for the next is listed in channels.py: files, System V and POSIX IPC,
keyrings, the PID counter, sockets. Each test plants in one sandbox and probes in another; the
control probes the same sandbox, so "ABSENT" means isolation, not a broken probe. Reward integrity
depends on it: gradings are sandboxes, and a submission that could carry state from one grading to
the next would learn the hidden tests (tests/coding/test_coding_integrity.py has that attack).
"""

from __future__ import annotations

import asyncio
import uuid

from channels import plant, plant_and_hold, probe
from sandbox_helpers import eventually, file_exists

# Channels bwrap must support, so that its "ABSENT" is never vacuous.
BWRAP_CHANNELS = {"files", "sysv", "mqueue", "semaphore", "keyrings"}


def _token() -> str:
    return uuid.uuid4().hex[:12]


async def test_control_a_probe_finds_what_was_planted_in_its_own_sandbox(isolated, make_box):
    box = await make_box(isolated)
    token = _token()
    planted = await plant(box, token)
    assert "FAILED" not in planted.values(), planted
    if isolated.name == "bwrap":
        assert {c for c, v in planted.items() if v == "PLANTED"} == BWRAP_CHANNELS, planted
    before = int((await probe(box, "nothing-" + token))["PID"])
    found = await probe(box, token)
    assert all(found[c] == "FOUND" for c, v in planted.items() if v == "PLANTED"), (planted, found)
    # The PID counter moved by the plant's 300 processes, as another exec here sees it.
    assert int(found["PID"]) > before


async def test_a_new_sandbox_finds_nothing_of_a_closed_one(isolated, make_box):
    token = _token()
    pristine = await probe(await make_box(isolated), token)
    first = await make_box(isolated)
    planted = await plant(first, token)
    await first.close()
    found = await probe(await make_box(isolated), token)
    leaked = [c for c, v in planted.items() if v == "PLANTED" and found.get(c) != "ABSENT"]
    assert leaked == [], found
    # The PID counter does not show the 300 processes the plant started (bwrap: it starts exactly
    # where it starts in a sandbox nobody used before; docker's command server forks as it likes).
    assert int(found["PID"]) < int(pristine["PID"]) + 300, (found, pristine)
    if isolated.name == "bwrap":
        assert found["PID"] == pristine["PID"]


async def test_a_new_sandbox_finds_nothing_of_a_running_one(isolated, make_box):
    token = _token()
    neighbour = await make_box(isolated)
    running = await plant_and_hold(neighbour, token)
    try:
        await eventually(lambda: file_exists(neighbour, f"/tmp/planted-{token}"), timeout=60, what="the plant")
        # Control: the planted sockets answer inside the neighbour while it holds them.
        held = await probe(neighbour, token)
        assert held["abstract_socket"] == held["loopback_port"] == "FOUND", held
        found = await probe(await make_box(isolated), token)
        assert {c: v for c, v in found.items() if v == "FOUND"} == {}, found
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
