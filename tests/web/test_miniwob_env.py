"""The MiniWoB++ suite: scripted solutions score 1, wrong answers 0, every included task loads headless."""

from __future__ import annotations

from pathlib import Path

from web_helpers import NEEDS_CHROMIUM, SHARED

from envgym.protocol import Action, EpisodeStatus
from envgym_web import miniwob
from envgym_web.environment import WebEnvironment
from envgym_web.miniwob_solvers import SOLVERS
from envgym_web.observe import parse_elements
from envgym_web.oracle import page_text

pytestmark = NEEDS_CHROMIUM
DOCS = Path(__file__).resolve().parents[2] / "docs" / "web.md"


def test_suite_lists_every_packaged_task_except_the_documented_exclusions():
    included = {t.id for t in WebEnvironment.tasks("miniwob")}
    assert included | set(miniwob.EXCLUDED) == set(miniwob.all_task_names())
    assert not included & set(miniwob.EXCLUDED)
    docs = DOCS.read_text()
    for name in miniwob.EXCLUDED:
        assert f"`{name}`" in docs, f"{name} is excluded but not listed in docs/web.md"
    assert set(SOLVERS) <= included


def test_the_task_pages_and_their_scripts_are_served_cacheable():
    # A reused page loads the next task's page and scripts from its caches (docs/web.md, "Benchmark").
    from starlette.testclient import TestClient

    client = TestClient(miniwob.miniwob_app())
    for path in ("/miniwob/click-checkboxes.html", "/core/core.js", "/core/jquery-ui/jquery-ui.min.js"):
        first = client.get(path)
        assert first.status_code == 200 and first.headers["cache-control"] == miniwob.CACHE_CONTROL
        again = client.get(path, headers={"if-none-match": first.headers["etag"]})
        assert again.status_code == 304 and again.headers["cache-control"] == miniwob.CACHE_CONTROL
    assert "max-age=86400" in miniwob.CACHE_CONTROL


async def test_a_wrong_click_ends_the_task_with_zero_and_the_page_reward_is_reported():
    env = WebEnvironment("miniwob", context=SHARED)
    try:
        reset = await env.reset(WebEnvironment.get_task("miniwob", "click-button"), seed=3)
        goal = reset.observation.data["goal"]
        wrong = next(
            e for e in parse_elements(page_text(reset.observation)) if e.role == "button" and f'"{e.name}"' not in goal
        )
        step = await env.step(Action.call("click", id=wrong.id))
        assert step.done and step.status is EpisodeStatus.completed and step.reward == 0.0
        assert step.grade.details["raw_reward"] == -1.0
    finally:
        await env.close()


async def test_partial_credit_is_not_success_and_thresholds_apply_only_where_set():
    # click-checkboxes-soft pays fractions; only a raw reward of exactly 1 counts, except for the
    # tasks that score closeness on a continuous scale (their threshold is in the task).
    soft, centre = (
        WebEnvironment.get_task("miniwob", "click-checkboxes-soft"),
        WebEnvironment.get_task("miniwob", "circle-center"),
    )
    status = {"done": True, "raw": 0.95, "reward": 0.4, "reason": None}
    assert miniwob.grade(status, soft).reward == 0.0
    assert miniwob.grade({**status, "raw": 1.0}, soft).reward == 1.0
    assert miniwob.grade(status, centre).reward == 1.0 and miniwob.grade({**status, "raw": 0.89}, centre).reward == 0.0
    assert miniwob.grade({**status, "done": False}, centre).reward == 0.0
    assert set(miniwob.SUCCESS_THRESHOLD) <= {t.id for t in WebEnvironment.tasks("miniwob")}


async def test_the_same_seed_gives_the_same_problem():
    async def goal(seed: int) -> str:
        env = WebEnvironment("miniwob", context=SHARED)
        try:
            return (await env.reset(WebEnvironment.get_task("miniwob", "enter-text"), seed=seed)).observation.data[
                "goal"
            ]
        finally:
            await env.close()

    assert await goal(11) == await goal(11)


async def test_other_task_pages_on_the_same_origin_are_refused():
    env = WebEnvironment("miniwob", context=SHARED)
    try:
        reset = await env.reset(WebEnvironment.get_task("miniwob", "book-flight"), seed=1)
        for url in (
            "/miniwob/click-test.html",
            "click-test.html",
            "/miniwob/book-flight.html/../click-test.html",
            "/core/core.js",
        ):
            step = await env.step(Action.call("goto", url=url))
            assert "goto refused" in step.observation.data["error"] and not step.done
            assert step.observation.data["url"] == reset.observation.data["url"]
    finally:
        await env.close()
