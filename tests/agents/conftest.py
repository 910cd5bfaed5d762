from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the shared scripts module

from envgym.testing.openai_server import OpenAIServer  # noqa: E402


@pytest.fixture(scope="module")
def model_server():
    """One scripted OpenAI-compatible server per module; each test sets ``handler`` and clears ``requests``."""
    server = OpenAIServer(lambda body: "unset").start()
    yield server
    server.stop()


@pytest.fixture
def model(model_server):
    model_server.requests.clear()
    yield model_server
    model_server.handler = lambda body: "unset"
