from __future__ import annotations

import os

import pytest

os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")


@pytest.fixture(scope="module")
def envgym_server():
    """A live `envgym serve` process (the debug family runs no untrusted code: process sandbox)."""
    from envgym.eval.server_process import ServerProcess

    with ServerProcess(["--sandbox", "process"]) as server:
        yield server
