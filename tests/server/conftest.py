"""Fixtures for the server tests: an app with its lifespan running behind httpx's ASGI transport
(fast, in-process) and a real uvicorn server in a subprocess where the network path matters."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import server_testenvs  # noqa: E402
from server_helpers import running_app  # noqa: E402,F401
from server_proc import ServerProcess  # noqa: E402

server_testenvs.install()


@pytest.fixture
async def served():
    async with running_app() as triple:
        yield triple


@pytest.fixture(scope="module")
def live_server():
    with ServerProcess() as server:
        yield server
