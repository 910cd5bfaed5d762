"""Fixtures for the rubric grader and family tests: a stand-in judge and scripted judges over real HTTP."""

from __future__ import annotations

import socket
from typing import Any, Callable

import pytest

from envgym.testing.openai_server import OpenAIServer
from envgym_graders.rubric import judge as judge_module
from envgym_rubric.standin_judge import StandinJudge


@pytest.fixture(scope="session")
def standin():
    """The deterministic stand-in judge, served once for the session (tests count calls by difference)."""
    with StandinJudge() as server:
        yield server


@pytest.fixture(autouse=True)
def fresh_judges():
    """Every test starts with no shared Judge (and so an empty verdict cache)."""
    judge_module._JUDGES.clear()
    yield
    judge_module._JUDGES.clear()


@pytest.fixture
def scripted_judge():
    """``scripted_judge(handler)`` starts an OpenAI-compatible server answering with ``handler(body)``."""
    servers: list[OpenAIServer] = []

    def start(handler: Callable[[dict[str, Any]], Any], **kwargs: Any) -> OpenAIServer:
        server = OpenAIServer(handler, **kwargs).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def dead_url() -> str:
    """A loopback URL where nothing listens."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}/v1"
