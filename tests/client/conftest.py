"""Client tests reuse the server tests' helpers (test plugins, in-process app, server subprocess)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "server"))

import server_testenvs  # noqa: E402
from server_proc import ServerProcess  # noqa: E402

server_testenvs.install()


@pytest.fixture(scope="module")
def live_server():
    with ServerProcess(step_timeout_s=30) as server:
        yield server
