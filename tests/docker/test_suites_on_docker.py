"""The coding and terminal suites pass the conformance kit with the docker sandbox provider
(the same check `envgym check coding/repo --sandbox docker` runs)."""

from __future__ import annotations

import pytest

from envgym.testing import check_environment

pytestmark = [pytest.mark.docker, pytest.mark.slow]


@pytest.mark.parametrize("env_id", ["coding/repo", "terminal/core"])
def test_suite_passes_conformance_on_docker(docker_ready, env_id):
    pytest.importorskip(f"envgym_{env_id.split('/')[0]}", reason=f"the {env_id.split('/')[0]} family is not installed")
    report = check_environment(env_id, sandbox="docker")
    assert report.ok, report
