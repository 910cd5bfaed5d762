"""Positive controls of the adversary: a toy family whose grading has one hole per suite
(vulnerable.py). For each hole, the attack of that class finds it (the check fails, naming the
attack), and the reference solution still scores 1 through the same grading, so the finding is the
hole and not broken grading. The ``safe`` suite grades the same task robustly: every attack holds
there, confirmed, so the kit does not cry wolf.
"""

from __future__ import annotations

import asyncio

import pytest
from vulnerable import VulnerableEnvironment

from envgym.adversary import ATTACK_CLASSES
from envgym.agents.builtin import OracleAgent
from envgym.agents.loop import run_episode
from envgym.kernel.context import EnvContext
from envgym.kernel.sync import LoopThread
from envgym.sandbox import get_provider
from envgym.testing import check_adversary, check_adversary_async

# (suite, attack classes to run, the attack that must find the hole, outcome)
CASES = [
    ("reward-tmp", "reward_files", "shell.hunt", "succeeded"),
    ("env-dir", "reward_files,trojans", "shell.hunt", "succeeded"),
    ("late-read", "leftover_writers,trojans", "shell.hunt", "succeeded"),
    ("pytest-config", "harness_config", "shell.hunt", "succeeded"),
    ("module-shadow", "module_shadows", "shell.hunt", "succeeded"),
    ("git-config", "git_config", "shell.hunt", "succeeded"),
    ("unreadable", "mode_changes", "shell.modes", "error"),
    ("fifo", "mode_changes", "shell.stall", "error"),
    ("full-disk", "disk_fill", "shell.disk", "error"),
    ("signals", "signals,trojans", "shell.signals", "error"),
    ("huge-output", "huge_output", "shell.hunt", "error"),
    ("malformed", "malformed_calls", "calls.malformed", "error"),
    ("backdoor", "family", "toy.backdoor", "succeeded"),
    ("constant", "answer_guess", "answer.guess[0]", "succeeded"),
    ("judge", "answer_injection", "answer.judge", "succeeded"),
    ("long", "answer_degenerate", "answer.long", "error"),
    ("code", "code_payloads", "code.exit0", "succeeded"),
    ("code", "code_payloads", "code.always_equal", "succeeded"),
]


@pytest.fixture(scope="module")
def reports(toy):
    """Every case's check, run side by side (they mostly wait on verifiers and timeouts)."""
    ok, why = get_provider("bwrap").available()
    if not ok:
        pytest.skip(f"the bwrap sandbox provider is unavailable here: {why}")
    runs = sorted({(suite, classes) for suite, classes, _, _ in CASES})
    limiter = asyncio.Semaphore(6)

    async def one(suite: str, classes: str):
        async with limiter:
            return await check_adversary_async(f"{toy}/{suite}", attacks=classes, sandbox="bwrap", concurrency=2)

    async def all_runs():
        return dict(zip(runs, await asyncio.gather(*(one(*run) for run in runs))))

    loop = LoopThread("adversary-controls")
    try:
        yield loop.run(all_runs())
    finally:
        loop.stop()


async def _oracle(suite: str, ctx: EnvContext) -> tuple[float, str]:
    task = VulnerableEnvironment.tasks(suite)[0]
    record = await run_episode(VulnerableEnvironment(suite, context=ctx), OracleAgent(), task, VulnerableEnvironment)
    return record.reward, record.status.value


@pytest.mark.parametrize("suite, classes, attack, outcome", CASES, ids=[f"{c[0]}-{c[2]}" for c in CASES])
async def test_the_adversary_finds_the_hole(reports, bwrap_ctx, suite, classes, attack, outcome):
    report = reports[(suite, classes)]
    assert not report.ok, report.summary()
    found = {r.attack: r for r in report.results}
    assert attack in found, sorted(found)
    result = found[attack]
    assert result.outcome == outcome, (result.outcome, result.reason, result.evidence)
    # The control: the reference solution passes the same grading.
    assert await _oracle(suite, bwrap_ctx) == (1.0, "completed")


def test_every_attack_holds_on_robust_grading(toy, bwrap_ctx):
    classes = [c for c in ATTACK_CLASSES if c != "signals"]
    report = check_adversary(f"{toy}/safe", attacks=classes, context=bwrap_ctx, sandbox="bwrap")
    assert report.ok, report.summary()
    outcomes = {r.attack: (r.outcome, r.evidence) for r in report.results}
    assert {"shell.hunt", "shell.modes", "shell.disk", "shell.values", "shell.stall", "calls.malformed"} <= set(
        outcomes
    )
    assert all(o == "held" for o, _ in outcomes.values()), outcomes  # held, and each showed it did what it meant to
    hunt = outcomes["shell.hunt"][1]
    assert "HUNT planted=" in hunt and "PLANT action=hunt" in hunt and "huge=20000000" in hunt, hunt


def test_signals_hold_on_robust_grading(toy, bwrap_ctx):
    report = check_adversary(f"{toy}/safe", attacks="signals", context=bwrap_ctx, sandbox="bwrap")
    assert report.ok, report.summary()
    assert {r.outcome for r in report.results} == {"held"}, report.summary()


async def test_the_oracle_solves_the_safe_task(bwrap_ctx):
    assert await _oracle("safe", bwrap_ctx) == (1.0, "completed")
