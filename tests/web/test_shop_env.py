"""The shop suite in a real Chromium: navigation, origin limits, isolation, crashes, cleanup."""

from __future__ import annotations

import asyncio
import base64
import os
import signal

import httpx
import pytest
from playwright.async_api import Error as PlaywrightError
from web_helpers import NEEDS_CHROMIUM, SHARED, element, shop

from envgym.agents.builtin import OracleAgent
from envgym.agents.loop import run_episode
from envgym.kernel.context import EnvContext
from envgym.protocol import Action, EpisodeStatus
from envgym_web.environment import WebEnvironment
from envgym_web.observe import parse_elements
from envgym_web.oracle import page_text
from envgym_web.runtime import WebRuntime

pytestmark = NEEDS_CHROMIUM


async def test_goto_outside_the_site_is_refused_and_the_page_stays():
    env = WebEnvironment("shop", context=SHARED)
    try:
        reset = await env.reset(shop("order-count"))
        start = reset.observation.data["url"]
        for url in ("http://example.com/", "javascript:alert(1)", "file:///etc/passwd"):
            step = await env.step(Action.call("goto", url=url))
            assert "goto refused" in step.observation.data["error"]
            assert step.observation.data["url"] == start and not step.done
        step = await env.step(Action.call("goto", url="/orders"))
        assert step.observation.data["error"] is None and step.observation.data["url"].endswith("/orders")
        assert 'link "Order O-1003"' in step.observation.data["page"]
    finally:
        await env.close()


async def test_failing_and_plain_text_actions_come_back_as_observations():
    env = WebEnvironment("shop", context=SHARED)
    try:
        reset = await env.reset(shop("order-count"))
        missing = await env.step(Action.call("click", id=9999))
        assert "no element [9999]" in missing.observation.data["error"] and not missing.done
        garbage = await env.step(Action(content="let me think about it"))
        assert "no action found" in garbage.observation.messages[0].text() and not garbage.done
        orders = element(reset, "link", "Orders")
        moved = await env.step(Action(content=f"I open the order history.\nclick({orders})"))
        assert moved.observation.data["title"].startswith("Your orders")
        answer = await env.step(Action(content='answer("3")'))
        assert answer.done and answer.reward == 1.0 and answer.status is EpisodeStatus.completed
    finally:
        await env.close()


async def test_screenshot_and_size_budget_options():
    env = WebEnvironment("shop", context=SHARED, options={"screenshot": True, "max_obs_chars": 200})
    try:
        reset = await env.reset(shop("order-count"))
        assert base64.b64decode(reset.observation.image)[:8] == b"\x89PNG\r\n\x1a\n"
        assert "truncated" in reset.observation.data["page"]
    finally:
        await env.close()


async def test_wrong_order_scores_zero_and_turn_limit_grades_the_state():
    env = WebEnvironment("shop", context=SHARED, options={"max_turns": 3})
    try:
        await env.reset(shop("set-default-work"))
        await env.step(Action.call("goto", url="/account"))
        page = await env.step(Action.call("goto", url="/account"))
        assert not page.done
        # the third action hits the turn limit: graded on the state left (Work is not the default)
        last = await env.step(Action.call("click", id=element(page, "button", "Make Old apartment the default")))
        assert last.truncated and last.status is EpisodeStatus.truncated and last.reward == 0.0
    finally:
        await env.close()


async def test_sixteen_concurrent_episodes_keep_their_own_state():
    async def one(i: int) -> tuple[float, str]:
        env = WebEnvironment("shop", context=SHARED)
        try:
            reset = await env.reset(shop("change-email"))
            account = await env.step(Action.call("click", id=element(reset, "link", "Account")))
            email = "alex.work@example.org" if i % 2 == 0 else f"user{i}@example.org"
            await env.step(Action.call("type", id=element(account, "textbox", "Email"), text=email))
            saved = await env.step(Action.call("click", id=element(account, "button", "Save profile")))
            shown = next(e for e in parse_elements(page_text(saved.observation)) if e.name == "Email").rest
            done = await env.step(Action.call("done"))
            return done.reward, shown
        finally:
            await env.close()

    results = await asyncio.gather(*(one(i) for i in range(16)))
    for i, (reward, shown) in enumerate(results):
        expected = "alex.work@example.org" if i % 2 == 0 else f"user{i}@example.org"
        assert f'value="{expected}"' in shown
        assert reward == (1.0 if i % 2 == 0 else 0.0)


async def test_contexts_are_closed_at_episode_end_and_cookies_do_not_leak():
    runtime = WebRuntime.get()
    first = WebEnvironment("shop", context=SHARED)
    await first.reset(shop("order-count"))
    lease = first.lease
    first_cookies = await runtime.run(lease.context.cookies())
    await runtime.run(lease.context.add_cookies([{"name": "leak", "value": "1", "url": first.driver.page.url}]))
    open_during = runtime.open_contexts()
    await first.step(Action.call("answer", text="3"))  # the episode ends: its context closes at once
    assert runtime.open_contexts() == open_during - 1
    assert first.lease is None
    with pytest.raises(PlaywrightError):
        await runtime.run(lease.context.new_page())  # the context is gone
    await first.close()

    second = WebEnvironment("shop", context=SHARED)
    try:
        await second.reset(shop("order-count"))
        cookies = await runtime.run(second.lease.context.cookies())
        assert [c["name"] for c in cookies] == ["envgym_shop"]
        assert cookies[0]["value"] != first_cookies[0]["value"]
    finally:
        await second.close()
    assert runtime.open_contexts() == open_during - 1


async def test_killing_chromium_mid_episode_is_env_error_and_the_next_episode_works():
    ctx = EnvContext(sandbox="process", settings={"web.chromium_args": ["--envgym-test=kill"]})  # a browser of its own
    env = WebEnvironment("shop", context=ctx)
    reset = await env.reset(shop("order-count"))
    pid = env.lease.slot.pid()
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    step = await env.step(Action.call("click", id=element(reset, "link", "Orders")))
    assert step.done and step.status is EpisodeStatus.env_error
    assert "Chromium" in step.info["error"]["message"] or "page" in step.info["error"]["message"]
    await env.close()
    record = await run_episode(
        WebEnvironment("shop", context=ctx), OracleAgent(), shop("last-order-total"), WebEnvironment
    )
    assert record.status is EpisodeStatus.completed and record.reward == 1.0
    runtime = WebRuntime.get()
    pool = await runtime.run(runtime.pool(ctx.settings))
    assert pool.slots[0].crashes == 1 and pool.slots[0].launches == 2
    await runtime.run(pool.aclose())


async def test_through_the_http_api_the_order_in_the_shop_decides_the_reward():
    from envgym.client import AsyncClient
    from envgym_server import ServerConfig, create_app

    app = create_app(ServerConfig(sandbox="process"))
    transport = httpx.ASGITransport(app)
    async with app.router.lifespan_context(app):
        async with AsyncClient("http://test", transport=transport) as client:
            task = shop("buy-cheapest-red-mug-m")
            episode = client.episode("web/shop")
            reset = await episode.reset(task)
            urls = [reset.observation.data["url"]]
            policy = WebEnvironment.oracle_policy(task)
            observation, result = reset.observation, None
            while result is None or not result.done:
                result = await episode.step(await policy.act(observation))
                observation = result.observation
                if observation.data:
                    urls.append(observation.data["url"])
            assert result.reward == 1.0 and result.status is EpisodeStatus.completed
            assert len({u.split("?")[0] for u in urls}) >= 4  # home, search, product, cart, checkout...
            await episode.close()

            # The same path with the wrong mug (size S of the Tall Red Mug) is paid for but scores 0.
            wrong = client.episode("web/shop")
            await wrong.reset(task)
            for path in ("/product/MUG-02",):
                page = await wrong.step(Action.call("goto", url=path))
            page = await wrong.step(Action.call("select", id=element(page, "combobox", "Size"), option="S"))
            page = await wrong.step(Action.call("click", id=element(page, "button", "Add to cart")))
            page = await wrong.step(Action.call("click", id=element(page, "link", "Proceed to checkout")))
            page = await wrong.step(Action.call("click", id=element(page, "radio", "~Work:")))
            page = await wrong.step(Action.call("click", id=element(page, "button", "Place order")))
            assert "Thank you" in page.observation.data["page"]
            final = await wrong.step(Action.call("done"))
            assert final.done and final.reward == 0.0 and final.status is EpisodeStatus.completed
            await wrong.close()


def test_envgym_check_web_shop_passes():
    from envgym.testing.conformance import check_environment

    report = check_environment("web/shop", sandbox="process", concurrency=4)
    assert report.ok, report.summary()
    assert report.tasks_checked >= 20
