"""The browser pool: Chromium's switches, and spare pages set up ahead of the episodes that take them."""

from __future__ import annotations

import asyncio
import shutil

import pytest

from envgym.kernel.context import EnvContext
from envgym.protocol import Action
from envgym_web.chromium import ENVGYM_DISABLED_FEATURES, PLAYWRIGHT_DISABLED_FEATURES, launch_args
from envgym_web.environment import WebEnvironment
from envgym_web.runtime import WebRuntime

CHROMIUM = any(shutil.which(n) for n in ("chromium", "chromium-browser"))


def needs_chromium(test):  # type: ignore[no-untyped-def]
    test = pytest.mark.browser(test)
    return pytest.mark.skipif(not CHROMIUM, reason="needs Chromium (scripts/setup.sh installs it)")(test)


def disabled_features(args: list[str]) -> list[str]:
    return [f for a in args if a.startswith("--disable-features=") for f in a.split("=", 1)[1].split(",")]


def test_one_disable_features_switch_merges_playwright_ours_and_the_hosts():
    args = launch_args(("--disable-features=Foo,MediaRouter", "--lang=fr"))
    assert "--lang=fr" in args and "--disable-site-isolation-trials" in args
    assert sum(a.startswith("--disable-features=") for a in args) == 1
    features = disabled_features(args)
    assert set(features) == {*PLAYWRIGHT_DISABLED_FEATURES, *ENVGYM_DISABLED_FEATURES, "Foo"}
    assert len(features) == len(set(features))


def browser_command_line(pid: int) -> list[str]:
    with open(f"/proc/{pid}/cmdline", "rb") as fh:
        return [a.decode() for a in fh.read().split(b"\0") if a]


@needs_chromium
async def test_the_launched_browser_keeps_playwrights_disabled_features_and_ours():
    # Chromium obeys only the last --disable-features: it must hold every feature Playwright disables too.
    ctx = EnvContext(sandbox="process", settings={"web.chromium_args": ["--envgym-test=switches"]})
    env = WebEnvironment("shop", context=ctx)
    try:
        await env.reset(WebEnvironment.get_task("shop", "order-count"))
        args = browser_command_line(env.lease.slot.pid())
        switches = [a for a in args if a.startswith("--disable-features=")]
        last = set(disabled_features(switches[-1:]))
        assert set(disabled_features(switches)) <= last
        assert set(ENVGYM_DISABLED_FEATURES) <= last
    finally:
        await env.close()
        await ctx.aclose()


@needs_chromium
async def test_a_reset_takes_a_spare_already_on_the_shop_home_page_and_spares_are_never_reused():
    ctx = EnvContext(
        sandbox="process", settings={"web.chromium_args": ["--envgym-test=spares"], "web.spare_contexts": 1}
    )
    runtime = WebRuntime.get()
    try:
        first = WebEnvironment("shop", context=ctx)
        await first.reset(WebEnvironment.get_task("shop", "order-count"))  # no spare yet: made on the spot
        pool = await runtime.run(runtime.pool(ctx.settings))
        await runtime.run(pool.spares_ready())  # the reset asked for the next episode's page
        [spare] = pool.spare_pages()
        store = (await runtime.run(runtime.sites())).shop_store
        assert spare.ticket.token != first.session_token and store.get(spare.ticket.token) is not None
        assert spare.page.url.endswith("/") and spare.ticket.page.title.startswith("Welcome")
        assert spare.lease.context is not first.lease.context
        await first.close()

        # The reset shows the page as it was read when the spare was set up: no browser round trip.
        # (Shop pages have no scripts; only a test can change one, as here, to tell the two apart.)
        await runtime.run(spare.page.evaluate("() => { document.title = 'changed behind the pool'; }"))
        second = WebEnvironment("shop", context=ctx)
        reset = await second.reset(WebEnvironment.get_task("shop", "order-count"))
        assert second.lease.context is spare.lease.context and second.session_token == spare.ticket.token
        assert reset.observation.data["title"] == spare.ticket.page.title and reset.observation.data[
            "title"
        ].startswith("Welcome")
        await runtime.run(pool.spares_ready())
        [next_spare] = pool.spare_pages()
        assert next_spare.lease.context is not spare.lease.context and next_spare.ticket.token != spare.ticket.token
        done = await second.step(Action.call("answer", text="3"))
        assert done.reward == 1.0

        unused = next_spare.ticket.token
        await runtime.run(pool.aclose())  # a spare nobody took gives its shop session back
        assert store.get(unused) is None
    finally:
        await ctx.aclose()


@needs_chromium
async def test_a_spare_whose_renderer_crashed_is_thrown_away():
    ctx = EnvContext(
        sandbox="process", settings={"web.chromium_args": ["--envgym-test=crashed-spare"], "web.spare_contexts": 1}
    )
    runtime = WebRuntime.get()
    try:
        first = WebEnvironment("shop", context=ctx)
        await first.reset(WebEnvironment.get_task("shop", "order-count"))
        await first.close()
        pool = await runtime.run(runtime.pool(ctx.settings))
        await runtime.run(pool.spares_ready())
        [spare] = pool.spare_pages()
        store, token = (await runtime.run(runtime.sites())).shop_store, spare.ticket.token
        cdp = await runtime.run(spare.lease.context.new_cdp_session(spare.page))
        try:
            await asyncio.wait_for(runtime.run(cdp.send("Page.crash")), 3)
        except Exception:  # noqa: BLE001 — the renderer dies before it answers
            pass
        for _ in range(100):
            if spare.crashed:
                break
            await asyncio.sleep(0.05)
        assert spare.crashed and not spare.usable()

        second = WebEnvironment("shop", context=ctx)
        reset = await second.reset(WebEnvironment.get_task("shop", "order-count"))
        assert second.lease.context is not spare.lease.context and reset.observation.data["title"].startswith("Welcome")
        assert store.get(token) is None
        await second.close()
    finally:
        await ctx.aclose()
