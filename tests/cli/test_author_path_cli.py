"""The CLI on a third-party author's path (issue 16): demo is plugin-driven, eval says which suite a
bare family runs, new refuses names that exist."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from envgym.builtin.debug import DebugEnvironment
from envgym.cli import app
from envgym.cli.demo_cmd import _enter_setups, plan_suites
from envgym.kernel import registry
from envgym.kernel.environment import DemoSetup


def _flat(text: str) -> str:
    return " ".join(text.split())


class ThirdParty(DebugEnvironment):
    """A family no built-in list knows about, with a service to start for its demo."""

    family = ""
    entered: list[str] = []

    @classmethod
    def demo_suites(cls):
        return [("counter", 1), ("no-such-suite", 1)]

    @classmethod
    @contextlib.contextmanager
    def demo_setup(cls):
        cls.entered.append("in")
        yield DemoSetup(
            settings={"thirdparty.url": "http://127.0.0.1:9/v1", "thirdparty.retries": 2}, note="stand-in service up"
        )
        cls.entered.append("out")


@pytest.fixture
def third_party():
    registry.register("environments", "thirdparty", ThirdParty, package="envgym-thirdparty")
    try:
        yield
    finally:
        registry.unregister("environments", "thirdparty")


def test_demo_runs_every_installed_family_through_its_own_hooks(third_party):
    everything = plan_suites(None, None)
    assert ("thirdparty/counter", 1) in everything.runs and ("debug/echo", 3) in everything.runs
    assert any("thirdparty/no-such-suite" in n for n in everything.notes)
    assert any(n == "skipped swe: the family offers no demo suite" for n in everything.notes) or "swe" not in {
        p.name for p in registry.list_plugins("environments")
    }
    only = plan_suites({"thirdparty", "nosuchfamily"}, 2)
    assert only.runs == [("thirdparty/counter", 2)] and only.families == [ThirdParty]
    assert only.notes[0] == "skipped nosuchfamily: no environment plugin of that name is installed"
    with contextlib.ExitStack() as stack:
        args = _enter_setups(stack, only)
        assert ThirdParty.entered == ["in"]
    assert ThirdParty.entered == ["in", "out"]
    assert args == ["--set", "thirdparty.url=http://127.0.0.1:9/v1", "--set", "thirdparty.retries=2"]
    assert "thirdparty: stand-in service up" in only.notes


def test_the_rubric_family_starts_and_stops_its_stand_in_judge_in_demo_setup():
    from envgym_rubric.family import RubricEnvironment

    with RubricEnvironment.demo_setup() as setup:
        url = setup.settings["rubric.judge_base_url"]
        assert setup.settings["rubric.judge_model"] and "STAND-IN" in (setup.note or "")
        assert httpx.post(url + "/chat/completions", json={"messages": []}, timeout=10).status_code == 400  # it answers
    with pytest.raises(httpx.TransportError):
        httpx.post(url + "/chat/completions", json={"messages": []}, timeout=2)


def test_eval_of_a_family_runs_every_suite_like_check(tmp_path: Path):
    runner = CliRunner()
    family = runner.invoke(
        app, ["eval", "debug", "--agent", "oracle", "-n", "1", "--no-progress", "--out", str(tmp_path / "a")]
    )
    assert family.exit_code == 0, family.output
    for suite in ("echo", "counter"):
        summary = json.loads((tmp_path / "a" / suite / "summary.json").read_text())
        assert list(summary["per_category"]) == [suite] and summary["episodes"] == 1 and summary["mean_reward"] == 1.0
    assert "2 suites evaluated" in _flat(family.output)
    as_json = runner.invoke(app, ["eval", "debug", "--agent", "nop", "-n", "1", "--json", "--out", str(tmp_path / "b")])
    assert sorted(json.loads(as_json.output)) == ["debug/counter", "debug/echo"]
    one = runner.invoke(
        app, ["eval", "debug/counter", "--agent", "nop", "-n", "1", "--json", "--out", str(tmp_path / "c")]
    )
    assert list(json.loads(one.output)["per_category"]) == ["counter"] and (tmp_path / "c" / "summary.json").is_file()
    ambiguous = runner.invoke(app, ["eval", "debug", "--task", "echo-1", "--out", str(tmp_path / "d")])
    assert ambiguous.exit_code == 1 and "name the suite too" in _flat(ambiguous.output)


@pytest.mark.parametrize(
    "name,expected",
    [
        ("debug", "an environment family named 'debug' already exists (package envgym "),
        ("graders", "a Python module named 'envgym_graders' already exists"),
    ],
)
def test_new_refuses_a_family_or_module_that_exists(tmp_path: Path, name: str, expected: str):
    result = CliRunner().invoke(app, ["new", name, "--dir", str(tmp_path)])
    assert result.exit_code == 1 and expected in _flat(result.output), result.output
    assert not any(tmp_path.iterdir())


def test_the_core_and_the_server_import_no_plugin_by_name():
    # Families, graders and agents are found through entry points only; importing one by name
    # (envgym_rubric, envgym_web ...) would make a built-in list that third parties are not on.
    import re

    repo = Path(__file__).resolve().parents[2]
    plugin_import = re.compile(r"^\s*(?:from|import)\s+(envgym_\w+)|import_module\(\s*[\"'](envgym_\w+)", re.M)
    own = {"envgym_server"}  # the server package's own modules
    found = [
        f"{path.relative_to(repo)}: {name}"
        for root in (repo / "envgym", repo / "server" / "envgym_server")
        for path in root.rglob("*.py")
        for match in plugin_import.finditer(path.read_text())
        for name in match.groups()
        if name and name not in own
    ]
    assert not found, found
