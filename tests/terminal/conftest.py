"""Fixtures for the terminal environment's tests."""

from __future__ import annotations

import pytest
from terminal_helpers import SANDBOX

from envgym.kernel.context import EnvContext


@pytest.fixture
def ctx() -> EnvContext:
    return EnvContext(sandbox=SANDBOX)
