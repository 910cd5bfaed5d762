"""Element actions in a real Chromium: the one-round-trip path (element.js), the fallback to
Playwright's waiting locator, and how navigations started by an action are recognised."""

from __future__ import annotations

from web_helpers import NEEDS_CHROMIUM, SHARED, element, shop

from envgym.agents.builtin import OracleAgent
from envgym.agents.loop import run_episode
from envgym.protocol import Action, EpisodeStatus
from envgym_web.driver import NAVIGATING_JS
from envgym_web.environment import WebEnvironment

pytestmark = NEEDS_CHROMIUM


async def in_page(env: WebEnvironment, script: str):
    return await env.runtime.run(env.driver.page.evaluate(script))


async def test_a_whole_shop_order_needs_no_playwright_locator():
    # Clicks, a radio, a select and typing on plain pages are all actionable at once.
    env = WebEnvironment("shop", context=SHARED)
    record = await run_episode(env, OracleAgent(), shop("buy-to-new-address"), WebEnvironment)
    assert record.status is EpisodeStatus.completed and record.reward == 1.0
    assert env.driver.fallbacks == 0


async def test_a_covered_element_falls_back_to_playwright_which_reports_the_cover():
    env = WebEnvironment("shop", context=SHARED, options={"action_timeout_ms": 1500})
    try:
        reset = await env.reset(shop("order-count"))
        await in_page(
            env,
            """() => { const d = document.createElement('div'); d.id = 'veil';
            d.style = 'position:fixed;inset:0;z-index:9;background:rgba(0,0,0,0.1)'; document.body.append(d); }""",
        )
        step = await env.step(Action.call("click", id=element(reset, "link", "Orders")))
        assert step.observation.data["error"].startswith("click failed: ")
        assert "(another element (div#veil) covers it)" in step.observation.data["error"]
        assert env.driver.fallbacks == 1 and step.observation.data["title"].startswith("Welcome")
        await in_page(env, "() => document.getElementById('veil').remove()")
        step = await env.step(Action.call("click", id=element(reset, "link", "Orders")))
        assert step.observation.data["error"] is None and step.observation.data["title"].startswith("Your orders")
    finally:
        await env.close()


async def test_an_element_removed_since_the_observation_is_an_immediate_error():
    env = WebEnvironment("shop", context=SHARED)
    try:
        reset = await env.reset(shop("order-count"))
        orders = element(reset, "link", "Orders")
        await in_page(env, f"() => document.querySelector('[data-envgym-id=\"{orders}\"]').remove()")
        step = await env.step(Action.call("click", id=orders))
        assert f"element [{orders}] is no longer on the page" in step.observation.data["error"]
        assert env.driver.fallbacks == 0 and not step.done
    finally:
        await env.close()


async def test_select_by_label_or_value_and_an_unknown_option_lists_the_options():
    env = WebEnvironment("shop", context=SHARED)
    try:
        await env.reset(shop("order-count"))
        page = await env.step(Action.call("goto", url="/search"))
        sort = element(page, "combobox", "Sort by")
        by_value = await env.step(Action.call("select", id=sort, option="price_asc"))
        assert 'value="Price: low to high"' in by_value.observation.data["page"]
        by_label = await env.step(Action.call("select", id=sort, option="Relevance"))
        assert 'value="Relevance"' in by_label.observation.data["page"] and by_label.observation.data["error"] is None
        unknown = await env.step(Action.call("select", id=sort, option="cheapest first"))
        assert 'no option labelled or valued "cheapest first"' in unknown.observation.data["error"]
        assert "Price: low to high" in unknown.observation.data["error"] and env.driver.fallbacks == 0
    finally:
        await env.close()


async def test_typing_replaces_the_text_and_submit_loads_the_results():
    env = WebEnvironment("shop", context=SHARED)
    try:
        reset = await env.reset(shop("order-count"))
        box = element(reset, "textbox", "Search products")
        await env.step(Action.call("type", id=box, text="hoodie"))
        results = await env.step(Action.call("type", id=box, text="mug", submit=True))
        assert results.observation.data["url"].endswith("/search?q=mug")
        assert 'link "Blue Diner Mug"' in results.observation.data["page"]
    finally:
        await env.close()


async def test_a_form_submission_counts_as_a_navigation_before_chromium_starts_it():
    env = WebEnvironment("shop", context=SHARED)
    try:
        await env.reset(shop("order-count"))
        assert await in_page(env, NAVIGATING_JS) == {"navigating": False, "popup": False}
        # Chromium starts a submission's navigation in a later task: in the same task it is only a submit event.
        started = await in_page(
            env, f"() => {{ document.querySelector('form[role=search]').requestSubmit(); return ({NAVIGATING_JS})(); }}"
        )
        assert started == {"navigating": True, "popup": False}
    finally:
        await env.close()

    env = WebEnvironment("shop", context=SHARED)
    try:
        await env.reset(shop("order-count"))
        elsewhere = await in_page(
            env,
            f"""() => {{ const form = document.querySelector('form[role=search]');
            form.target = '_blank'; form.requestSubmit(); return ({NAVIGATING_JS})(); }}""",
        )
        cancelled = await in_page(
            env,
            f"""() => {{ const form = document.querySelector('form[role=search]');
            form.target = ''; form.addEventListener('submit', (e) => e.preventDefault()); form.requestSubmit();
            return ({NAVIGATING_JS})(); }}""",
        )
        assert cancelled == {"navigating": False, "popup": False}
        assert elsewhere == {"navigating": False, "popup": True}  # a new window, not this page
    finally:
        await env.close()
