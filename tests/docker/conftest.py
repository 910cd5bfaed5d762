"""Docker tests run against a real Docker Engine (scripts/docker-up.sh starts one in CI). Where no
engine or base image is available they are skipped with the reason shown in pytest's summary."""

from __future__ import annotations

from pathlib import Path

import pytest

from envgym.sandbox import get_provider

REPO = Path(__file__).resolve().parents[2]


def docker_unavailable_reason() -> str | None:
    provider = get_provider("docker")
    ok, why = provider.available()
    if ok:
        return None
    recorded = REPO / ".docker-state" / "reason"
    if recorded.exists():
        why += f" (scripts/docker-up.sh said: {recorded.read_text().strip()})"
    return why


@pytest.fixture(scope="session")
def docker_ready() -> None:
    reason = docker_unavailable_reason()
    if reason:
        pytest.skip(f"Docker tests skipped: {reason}")


@pytest.fixture
async def docker_provider(docker_ready):
    provider = get_provider("docker")
    yield provider
    await provider.aclose()
