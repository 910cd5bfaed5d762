from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "agents"))  # shared scripted-model behaviours

from envgym.testing.openai_server import OpenAIServer  # noqa: E402


@pytest.fixture
def model():
    server = OpenAIServer(lambda body: "unset").start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def envgym_server():
    """A real `envgym serve` subprocess (process sandbox: the debug family runs no untrusted code)."""
    from envgym.eval.server_process import ServerProcess

    with ServerProcess(["--sandbox", "process"]) as server:
        yield server
