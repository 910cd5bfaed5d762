"""`envgym demo`: server subprocess, oracle/nop through it, results table, everything stopped."""

from __future__ import annotations

import re
import subprocess

import httpx
import pytest

from envgym.eval.server_process import cli_command


@pytest.mark.slow
def test_demo_runs_through_a_server_and_stops_it(tmp_path):
    families = "debug,rubric,nosuchfamily"
    result = subprocess.run(
        cli_command("demo", "--only", families, "--tasks", "1", "--out", str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=600,
        env={"COLUMNS": "120", **__import__("os").environ},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "debug/echo" in out and "debug/counter" in out and "✓" in out and "✗" not in out
    url = re.search(r"starting `envgym serve` on (http://127\.0\.0\.1:\d+)", out).group(1)
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/healthz", timeout=2)  # the server it started is gone
    if "reasoning/" in out:
        assert (tmp_path / "reasoning_basic_arithmetic-oracle" / "summary.json").exists()
    if "rubric/" in out:
        assert "STAND-IN judge" in out
    runs = sorted(p.name for p in tmp_path.iterdir())
    assert "debug_echo-oracle" in runs and "debug_echo-nop" in runs


def test_demo_plan_comes_from_the_families_and_notes_what_it_skips():
    from envgym.cli.demo_cmd import plan_suites

    plan = plan_suites({"debug", "nosuchfamily"}, 1)
    assert plan.runs == [("debug/echo", 1), ("debug/counter", 1)]
    assert plan.notes == ["skipped nosuchfamily: no environment plugin of that name is installed"]
    assert [cls.family for cls in plan.families] == ["debug"]
