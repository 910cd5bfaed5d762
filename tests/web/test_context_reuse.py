"""A MiniWoB page given back at the end of an episode is wiped and serves a later episode: that
episode sees nothing the earlier one left (storage, cookies, window.name, history, hover), and
gets the same observation a fresh context gives."""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from envgym.kernel.context import EnvContext
from envgym.protocol import Action
from envgym_web.environment import WebEnvironment
from envgym_web.runtime import WebRuntime

CHROMIUM = any(shutil.which(n) for n in ("chromium", "chromium-browser"))
needs_chromium = pytest.mark.skipif(not CHROMIUM, reason="needs Chromium (scripts/setup.sh installs it)")

# Everything a page of the task's origin can keep beyond its own document, set now and again while
# the document goes away (a pagehide handler writes after the pool has started wiping).
STORE_JS = """async () => {
  const keep = (tag) => {
    localStorage.setItem('left-' + tag, '1');
    sessionStorage.setItem('left-' + tag, '1');
    document.cookie = 'left-' + tag + '=1; max-age=3600; path=/';
  };
  keep('now');
  window.name = 'left by the last episode';
  addEventListener('pagehide', () => keep('pagehide'));
  await new Promise((resolve, reject) => {
    const open = indexedDB.open('left', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('s');
    open.onsuccess = () => { const tx = open.result.transaction('s', 'readwrite');
      tx.objectStore('s').put('1', 'k'); tx.oncomplete = resolve; tx.onerror = reject; };
    open.onerror = reject;
  });
  await (await caches.open('left')).put('/left', new Response('1'));
  history.pushState({}, '', location.href + '#pushed');
}"""
READ_JS = """async () => ({
  local: Object.keys(localStorage), session: Object.keys(sessionStorage), cookie: document.cookie,
  name: window.name, idb: (await indexedDB.databases()).map((d) => d.name), caches: await caches.keys(),
  hovered: document.querySelectorAll(':hover').length, history: history.length, url: location.href,
})"""


def task(name: str) -> Any:
    return WebEnvironment.get_task("miniwob", name)


async def state_after_reset(ctx: EnvContext, name: str, seed: int) -> tuple[WebEnvironment, Any, dict[str, Any]]:
    env = WebEnvironment("miniwob", context=ctx)
    reset = await env.reset(task(name), seed=seed)
    assert env.driver is not None
    seen = await WebRuntime.get().run(env.driver.page.evaluate(READ_JS))
    return env, reset, seen


async def spares_ready(ctx: EnvContext) -> None:
    runtime = WebRuntime.get()
    pool = await runtime.run(runtime.pool(ctx.settings))
    await runtime.run(pool.spares_ready())


@needs_chromium
@pytest.mark.browser
async def test_a_reused_page_keeps_nothing_of_the_last_episode_and_observes_as_a_fresh_one():
    runtime = WebRuntime.get()
    reused = EnvContext(
        sandbox="process", settings={"web.chromium_args": ["--envgym-test=reuse"], "web.spare_contexts": 1}
    )
    fresh = EnvContext(
        sandbox="process",
        settings={"web.chromium_args": ["--envgym-test=reuse-fresh"], "web.spare_contexts": 1, "web.context_reuses": 1},
    )
    try:
        first = WebEnvironment("miniwob", context=reused)
        await first.reset(task("click-dialog"), seed=3)
        assert first.driver is not None and first.lease is not None
        context, page = first.lease.context, first.driver.page
        await runtime.run(page.evaluate(STORE_JS))
        await first.step(Action.call("hover_at", x=80, y=100))  # the mouse stays over the page
        await first.close()
        await spares_ready(reused)

        second, reset, seen = await state_after_reset(reused, "click-button", 7)
        assert second.lease is not None and second.lease.context is context  # the same context, wiped
        baseline, fresh_reset, fresh_seen = await state_after_reset(fresh, "click-button", 7)
        assert baseline.lease is not None and baseline.lease.context is not context
        assert (
            seen
            == fresh_seen
            == {
                "local": [],
                "session": [],
                "cookie": "",
                "name": "",
                "idb": [],
                "caches": [],
                "hovered": 0,
                "history": fresh_seen["history"],
                "url": fresh_seen["url"],
            }
        )
        assert reset.observation.data["page"] == fresh_reset.observation.data["page"]  # byte for byte
        back = await second.step(Action.call("back"))
        assert back.observation.data["page"] == (await baseline.step(Action.call("back"))).observation.data["page"]
        await baseline.close()
        await second.close()
    finally:
        await reused.aclose()
        await fresh.aclose()


@needs_chromium
@pytest.mark.browser
async def test_a_page_is_not_reused_after_a_second_tab_nor_beyond_its_reuse_count():
    ctx = EnvContext(
        sandbox="process",
        settings={
            "web.chromium_args": ["--envgym-test=reuse-limits"],
            "web.spare_contexts": 1,
            "web.context_reuses": 2,
        },
    )
    try:
        contexts = []
        for n in range(4):
            env = WebEnvironment("miniwob", context=ctx)
            await env.reset(task("click-test"), seed=n)
            assert env.lease is not None
            contexts.append(env.lease.context)
            if n == 0:
                await env.step(Action.call("new_tab"))  # two tabs: closed, not reused
            await env.close()
            await spares_ready(ctx)
        # 0 had two tabs; 1 is reused once by 2 (2 episodes per context), then closed; 3 is new.
        assert contexts[1] is not contexts[0] and contexts[2] is contexts[1] and contexts[3] is not contexts[2]
        assert all(c not in contexts[:k] for k, c in enumerate(contexts) if k in (1, 3))
    finally:
        await ctx.aclose()


@needs_chromium
@pytest.mark.browser
async def test_a_reset_on_a_reused_page_sends_no_needless_messages_and_dialogs_between_episodes_are_dismissed(
    monkeypatch,
):
    from playwright._impl.connection import Connection

    sent: list[str] = []
    original = Connection.send_message_to_server

    def counting(self: Any, obj: Any, method: str, params: Any, options: Any) -> Any:
        sent.append(method)
        return original(self, obj, method, params, options)

    monkeypatch.setattr(Connection, "send_message_to_server", counting)
    ctx = EnvContext(
        sandbox="process", settings={"web.chromium_args": ["--envgym-test=reuse-subscribed"], "web.spare_contexts": 1}
    )
    try:
        runtime = WebRuntime.get()
        pool = await runtime.run(runtime.pool(ctx.settings))
        contexts = []
        for n in range(3):
            env = WebEnvironment("miniwob", context=ctx)
            sent.clear()
            reset = await env.reset(task("click-dialog"), seed=n)
            assert env.lease is not None
            contexts.append(env.lease.context)
            # The task page was waited for by goto(wait_until="load"): reading it waits for nothing more.
            assert "__waitInfo__" not in sent, sent
            if n > 0:  # on a reused page: neither the driver's listeners nor its detaching toggle anything
                assert "updateSubscription" not in sent
            # The episode's driver still gets the page's dialogs, and accepts them.
            await runtime.run(env.driver.page.evaluate("() => { setTimeout(() => alert('in the episode'), 0); }"))
            step = await env.step(Action.call("wait", ms=200))
            assert "alert: in the episode" in step.observation.data["page"], step.observation.data["page"]
            sent.clear()
            await env.close()
            await spares_ready(ctx)
            if n > 0:
                assert "updateSubscription" not in sent
            # Between episodes nobody handles a dialog: it is dismissed, and the page still answers.
            (spare,) = pool.spare_pages()
            assert await runtime.run(spare.page.evaluate("() => { alert('between episodes'); return 1; }")) == 1
            assert reset.observation.data["goal"]
        assert contexts[1] is contexts[0] and contexts[2] is contexts[0]
    finally:
        await ctx.aclose()
