"""The toy family of vulnerable.py, registered under a fresh name for one test module."""

from __future__ import annotations

import uuid

import pytest
from vulnerable import VulnerableEnvironment

from envgym.kernel import registry


@pytest.fixture(scope="module")
def toy():
    name = f"vulnerable-{uuid.uuid4().hex[:6]}"
    registry.register("environments", name, VulnerableEnvironment)
    yield name
    registry.unregister("environments", name)
