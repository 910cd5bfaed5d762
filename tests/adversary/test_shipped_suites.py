"""CI: `envgym check SUITE --adversary` over every shipped suite (docs/adversary.md).

Small suites are attacked task by task; large ones by a fixed, seeded sample (the grading code is
the same for every task of a suite; the full run is the documented command
`envgym check FAMILY --adversary`). Slow attacks (those that wait out a verifier timeout) run on
fewer tasks. Only the attack kinds listed in KNOWN_FINDINGS (holes found and reported, not fixed yet) may fail:
any other failing kind is a new hole and fails the test; a listed kind that held is reported as a
warning, so the list can only shrink, down to empty.
"""

from __future__ import annotations

import asyncio
import shutil
import warnings
from collections import defaultdict

import pytest

from envgym.adversary.runner import AdversaryReport
from envgym.kernel.context import EnvContext
from envgym.kernel.sync import LoopThread
from envgym.sandbox import get_provider
from envgym.testing import check_adversary_async

SEED = 0
DOCKER = (pytest.mark.docker,)
# env id -> (sandbox provider, tasks per suite: None = all, tasks that get the slow attacks, pytest marks).
# swe and most Harbor tasks (they build or name an image) run on Docker only; tasks a family says it
# cannot run on the provider are skipped with their reason (AdversaryReport.skipped), not attacked. On
# Docker no task gets the slow attacks in CI (each waits out a command timeout of minutes).
SUITES: dict[str, tuple[str, int | None, int | None, tuple]] = {  # slowest first
    "swe/own": ("docker", 2, 0, DOCKER),
    "terminal/harbor": ("docker", 3, 0, DOCKER),
    "web/miniwob": ("bwrap", 2, None, (pytest.mark.browser,)),
    "terminal/core": ("bwrap", 6, 1, ()),
    "coding/repo": ("bwrap", 3, 1, ()),
    "coding/humaneval-tools": ("bwrap", 2, 1, ()),
    "web/shop": ("bwrap", 3, None, (pytest.mark.browser,)),
    "coding/humaneval": ("bwrap", 3, 1, ()),
    "rubric": ("bwrap", 3, None, ()),
    "reasoning": ("bwrap", 6, None, ()),
    "debug": ("bwrap", None, None, ()),
}
STANDIN = (
    "the CI judge is the keyword-overlap stand-in (not a judge): an answer echoing the prompt's words earns "
    "criteria; the template's fence and verdict parser are tested in tests/graders and tests/rubric"
)
# env id -> {attack kind: why it fails today} (attack kind = the attack's name without [...]). Kinds
# listed here may fail; any other failing kind fails the test. A listed kind that no longer fails
# is reported as a warning: take it out.
KNOWN_FINDINGS: dict[str, dict[str, str]] = {
    "debug": {},
    "reasoning": {},
    "rubric": {
        k: STANDIN
        for k in (
            "answer.fences",
            "answer.shotgun",
            "rubric.template-break",
            "rubric.refusal-bait",
            "rubric.prompt-stuffing",
        )
    },
    "coding/humaneval": {},
    "coding/humaneval-tools": {},
    "coding/repo": {},
    "terminal/core": {},
    "terminal/harbor": {},
    "swe/own": {},
    "web/shop": {},
    "web/miniwob": {},
}


def _available(provider: str) -> tuple[bool, str]:
    try:
        return get_provider(provider).available()
    except Exception as exc:  # noqa: BLE001
        return False, str(exc)


def _runnable(env_id: str) -> str | None:
    """Why ``env_id`` cannot be attacked here, or None."""
    provider = SUITES[env_id][0]
    ok, why = _available(provider)
    if not ok:
        return f"the {provider} sandbox provider is unavailable here: {why}"
    if env_id.startswith("web/") and not any(shutil.which(n) for n in ("chromium", "chromium-browser")):
        return "no Chromium here"
    return None


@pytest.fixture(scope="module")
def reports() -> dict[str, AdversaryReport]:
    """Every runnable suite attacked side by side, slowest first (much of the time is spent waiting
    out timeouts), at most ~6 episodes at once."""
    from envgym_rubric.standin_judge import StandinJudge

    limiter = asyncio.Semaphore(3)
    runnable = [e for e in SUITES if _runnable(e) is None]

    async def one(env_id: str, settings: dict) -> AdversaryReport:
        sandbox, sample, slow, _ = SUITES[env_id]
        async with limiter:
            return await check_adversary_async(
                env_id,
                sandbox=sandbox,
                sample=sample,
                slow_sample=slow,
                seed=SEED,
                context=EnvContext(sandbox=sandbox, settings=settings),
                concurrency=2,
            )

    async def run_all(settings: dict) -> dict[str, AdversaryReport]:
        return dict(zip(runnable, await asyncio.gather(*(one(e, settings) for e in runnable))))

    loop = LoopThread("adversary-ci")
    try:
        with StandinJudge() as judge:
            yield loop.run(run_all({"rubric.judge_base_url": judge.base_url, "rubric.judge_model": "standin"}))
    finally:
        loop.stop()


# A hang guard, not a timing: the first of these tests pays for the module's `reports` fixture, which
# attacks every suite (minutes on a quiet machine; it passed 600 s at a load average of 40).
@pytest.mark.timeout(2400)
@pytest.mark.parametrize("env_id", [pytest.param(e, marks=SUITES[e][3]) for e in SUITES])
def test_a_shipped_suite_holds_against_the_adversary(env_id, reports):
    why = _runnable(env_id)
    if why:
        pytest.skip(why)
    report = reports[env_id]
    assert report.tasks_checked > 0, report.summary()
    failing: dict[str, list[str]] = defaultdict(list)
    for r in report.failures():
        failing[r.attack.split("[", 1)[0]].append(f"{r.task_id}: {r.outcome}: {r.reason[:200]}")
    known = KNOWN_FINDINGS[env_id]
    new = {k: v[:3] for k, v in failing.items() if k not in known}
    fixed = sorted(set(known) - set(failing))
    assert not new, f"new holes in {env_id}: {new}"
    if fixed:
        warnings.warn(
            f"{env_id}: these attacks held this time; if they hold for good, take them out of KNOWN_FINDINGS: {fixed}",
            stacklevel=1,
        )
    unconfirmed = [f"{r.task_id} {r.attack}: {r.evidence}" for r in report.results if r.outcome == "unconfirmed"]
    assert not unconfirmed, unconfirmed  # every attack showed that it really did what it meant to
