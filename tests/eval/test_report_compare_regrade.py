"""The HTML report (opened in headless Chromium), run comparison, and regrading by replay."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
from typing import Sequence

import pytest

from envgym.eval.compare import compare_runs, sign_test_p
from envgym.eval.regrade import regrade_run
from envgym.eval.report import write_report
from envgym.eval.runner import EvalConfig, EvalRunner
from envgym.eval.server_process import cli_command
from envgym.kernel import registry
from envgym.kernel.environment import Environment, Policy, ScriptedPolicy
from envgym.protocol import Action, Grade, Message, Observation, StepResult, SuiteInfo, Task, Tool
from envgym.testing.openai_server import error_reply
from scripts import counter_solver

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def run(cfg):
    return asyncio.run(EvalRunner(cfg).run())


@pytest.fixture
def mixed_run(tmp_path, model):
    """debug/counter with the model failing on one task: completed and agent_error episodes."""

    def script(body):
        if "counter is 3," in body["messages"][1]["content"]:
            return error_reply(503, "down")
        return counter_solver(body)

    model.handler = script
    out = tmp_path / "mixed"
    run(
        EvalConfig(
            env="debug/counter",
            agent="openai",
            model="scripted",
            base_url=model.base_url,
            out=out,
            samples=2,
            agent_config={"retries": 0},
        )
    )
    return out


@pytest.mark.browser
def test_report_is_self_contained_and_renders_its_charts_in_chromium(mixed_run):
    from playwright.sync_api import sync_playwright

    path = write_report(mixed_run)
    text = path.read_text()
    assert not re.search(r'(src|href)\s*=\s*"(https?:)?//', text) and "<script" not in text and "<link" not in text
    requests = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            page.on("request", lambda r: requests.append(r.url))
            page.goto(path.as_uri())
            charts = page.locator("svg.chart")
            assert charts.count() == 3
            for i in range(3):
                box = charts.nth(i).bounding_box()
                assert box and box["width"] > 100 and box["height"] > 10
                widths = (
                    charts.nth(i)
                    .locator("rect.bar")
                    .evaluate_all("els => els.map(e => e.getBoundingClientRect().width)")
                )
                assert any(w > 1 for w in widths), f"chart {i} drew no bars"
            assert page.locator("table tbody tr").count() == 5
            assert page.get_by_text("agent_error").first.is_visible()
            episode = page.locator("details.ep").first
            assert not episode.locator(".msg").first.is_visible()
            episode.locator("summary").click()
            assert episode.locator(".msg.role-user").first.is_visible()
            assert "increment" in episode.inner_text()
        finally:
            browser.close()
    assert requests == [path.as_uri()]


def test_report_cli(mixed_run, tmp_path):
    out = tmp_path / "r.html"
    result = subprocess.run(
        cli_command("report", str(mixed_run), "--out", str(out)), capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert out.read_text().count('<svg class="chart"') == 3


def test_compare_oracle_and_nop(tmp_path):
    run(EvalConfig(env="debug/echo", agent="oracle", out=tmp_path / "a"))
    run(EvalConfig(env="debug/echo", agent="nop", out=tmp_path / "b"))
    result = compare_runs(tmp_path / "a", tmp_path / "b")
    assert (result["wins"], result["losses"], result["ties"], result["paired_tasks"]) == (0, 10, 0, 10)
    assert result["sign_test_p"] == pytest.approx(sign_test_p(0, 10)) == pytest.approx(2 / 1024)
    assert result["bootstrap"]["mean_diff"] == -1.0 and result["bootstrap"]["ci95"] == [-1.0, -1.0]
    same = compare_runs(tmp_path / "a", tmp_path / "a")
    assert same["ties"] == 10 and same["sign_test_p"] == 1.0 and same["bootstrap"]["p_value"] == 1.0
    cli = subprocess.run(
        cli_command("compare", str(tmp_path / "a"), str(tmp_path / "b")), capture_output=True, text=True, timeout=120
    )
    assert cli.returncode == 0 and "sign test p" in cli.stdout and "loses 10" in cli.stdout


# --------------------------------------------------------------------------- regrade


class Notepad(Environment):
    """Write text with a tool, then submit; graded on the final note (state the transcript does not hold)."""

    STRICT = False
    NOISY = False
    ticks = 0
    default_max_turns = 10

    @classmethod
    def suites(cls) -> list[SuiteInfo]:
        return [SuiteInfo(name="main")]

    @classmethod
    def load_tasks(cls, suite: str) -> Sequence[Task]:
        return [
            Task(id=f"note-{w}", suite="main", prompt=f"Write {w!r}, then submit.", private={"answer": w})
            for w in ("Alpha", "Bravo")
        ]

    @classmethod
    def tools(cls, suite: str | None = None) -> list[Tool]:
        return [
            Tool.define("write", "Replace the note.", {"text": {"type": "string"}}, ["text"]),
            Tool.define("submit", "Finish."),
        ]

    @classmethod
    def oracle_policy(cls, task: Task) -> Policy:
        return ScriptedPolicy([Action.call("write", text=task.private["answer"].lower()), Action.call("submit")])

    async def on_reset(self, task, seed):
        self.note = ""
        return Observation.user(task.prompt)

    async def on_step(self, action):
        call = action.tool_calls[0]
        if call.function.name == "write":
            self.note = call.function.parsed_arguments()["text"]
            Notepad.ticks += 1
            reply = f"stored {len(self.note)} characters" + (f" (tick {Notepad.ticks})" if Notepad.NOISY else "")
            return StepResult(
                observation=Observation(messages=[Message(role="tool", tool_call_id=call.id, content=reply)])
            )
        answer = self.task.private["answer"]
        ok = self.note == answer if Notepad.STRICT else self.note.lower() == answer.lower()
        return self.finish(Grade.binary(ok))


@pytest.fixture
def notepad():
    registry.register("environments", "notepad", Notepad, replace=True)
    Notepad.STRICT = Notepad.NOISY = False
    yield Notepad
    registry.unregister("environments", "notepad")


def test_regrade_replays_actions_and_applies_the_current_grader(tmp_path, notepad):
    first = run(EvalConfig(env="notepad/main", agent="oracle", out=tmp_path, sandbox="process"))
    assert first.summary["mean_reward"] == 1.0
    notepad.STRICT = True  # the grader is "fixed": case now matters
    result = asyncio.run(regrade_run(tmp_path))
    assert result.counts == {"regraded": 2, "not_regraded": 0, "changed": 2}
    assert result.summary["mean_reward"] == 0.0
    for record in result.records:
        assert record.extra["regrade"]["previous"]["reward"] == 1.0 and record.reward == 0.0
    assert json.loads((tmp_path / "regraded" / "summary.json").read_text())["mean_reward"] == 0.0
    original = json.loads((tmp_path / "summary.json").read_text())
    assert original["mean_reward"] == 1.0  # the source run is untouched


def test_regrade_refuses_to_fake_nondeterministic_or_unfinished_episodes(tmp_path, notepad, model):
    notepad.NOISY = True
    run(EvalConfig(env="notepad/main", agent="oracle", out=tmp_path / "noisy", sandbox="process"))
    notepad.STRICT = True
    result = asyncio.run(regrade_run(tmp_path / "noisy"))
    assert result.counts == {"regraded": 0, "not_regraded": 2, "changed": 0}
    for record in result.records:
        info = record.extra["regrade"]
        assert info["ok"] is False and "diverged" in info["reason"] and "tick" in info["recorded"]
        assert record.reward == 1.0  # the old grade is kept, not replaced by a guess

    model.handler = lambda body: error_reply(503, "down")
    run(
        EvalConfig(
            env="debug/counter",
            agent="openai",
            model="m",
            base_url=model.base_url,
            out=tmp_path / "err",
            tasks=1,
            agent_config={"retries": 0},
        )
    )
    errs = asyncio.run(regrade_run(tmp_path / "err"))
    assert errs.records[0].status.value == "agent_error"
    assert "never reached a grade" in errs.records[0].extra["regrade"]["reason"]


def test_regrade_cli_on_debug_suites(tmp_path):
    run(EvalConfig(env="debug/counter", agent="oracle", out=tmp_path, samples=2))
    result = subprocess.run(cli_command("regrade", str(tmp_path)), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "regraded 10 episode(s), 0 changed" in result.stdout
