"""A pool of long-lived Chromium processes, with a fresh browser context per episode.

Launching Chromium costs seconds, so each worker keeps ``size`` browsers running and gives every
episode its own context (cookies, storage and pages die with it). A context with its first page
costs a new renderer process (a few hundred ms of CPU), so ``new_page`` hands over a spare made in
the background, already set up for the episode (``PageSetup``: e.g. the shop session and its start
page), and never used before. A browser that disconnects (crash, OOM kill) is marked dead at once;
the episodes that had contexts in it fail as ``env_error`` and the next ``new_context`` relaunches it.

Episodes of static sites (MiniWoB: no ``PageSetup``, nothing kept on a server) may give their page
back (``give_back``) instead of closing its context: the pool wipes it (the episode's document
replaced by about:blank, then the site's cookies, local and session storage, IndexedDB, cache
storage and the tab's ``window.name`` cleared) and keeps it as a spare, used again up to ``reuses`` episodes.
The next episode's document then loads in a renderer that has already parsed and compiled the
site's scripts (jQuery, jQuery UI, d3), at about half the CPU of a fresh context (docs/web.md,
"Benchmark": "Reset, issue 20"). Its history is reset to about:blank alone, as in a new tab, and the mouse moved out of
the viewport, so that nothing of the page is hovered (a new tab has no mouse position).

Everything here runs on the web runtime's event loop (see ``runtime.py``).

Example:
    >>> pool = BrowserPool(PoolConfig(size=1, executable="/usr/bin/chromium"))  # doctest: +SKIP
    >>> lease = await pool.new_context()                                     # doctest: +SKIP
    >>> await pool.release(lease)                                            # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from playwright.async_api import Browser, BrowserContext, CDPSession, Page, Playwright
from playwright.async_api import Error as PlaywrightError

from envgym_web import processes
from envgym_web.chromium import launch_args
from envgym_web.errors import BrowserCrashed

log = logging.getLogger("envgym_web")
# Spares per kind of episode: with 4 concurrent sessions on 2 cores, 1 spare was gone at most
# resets (reset p50 1.2-1.9 s), 4 keep the reset p50 at 7-12 ms (docs/web.md, "Latency"). One
# costs ~20 MB (its renderer).
DEFAULT_SPARES = 4
# Episodes one context of a static site serves before it is closed (a renderer's heap grows a
# little with each document it has had).
DEFAULT_REUSES = 20
MARKER_FLAG = processes.BROWSER_MARK.decode()  # an inert switch that lets us find the process (pid) of each browser


@dataclass(frozen=True)
class PoolConfig:
    size: int = 1
    executable: str | None = None  # None: Playwright's own browser
    headless: bool = True
    extra_args: tuple[str, ...] = ()
    # fresh contexts kept ready (page set up) per kind of episode, so a reset does not wait
    spares: int = DEFAULT_SPARES
    reuses: int = DEFAULT_REUSES  # episodes a given-back page may serve (1: every episode gets a new context)


@dataclass
class BrowserSlot:
    index: int
    marker: str = field(default_factory=lambda: uuid.uuid4().hex)
    browser: Browser | None = None
    contexts: set[BrowserContext] = field(default_factory=set)
    launches: int = 0
    crashes: int = 0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # Whether the Playwright driver that launched it still runs: when the driver dies, the browser
    # dies with it, but the client only learns of that at its next call.
    driver_alive: Callable[[], bool] = lambda: True

    @property
    def alive(self) -> bool:
        return self.browser is not None and self.browser.is_connected() and self.driver_alive()

    def pid(self) -> int | None:
        """The browser process's pid (found by its marker switch), or None when it is not running."""
        return processes.browser_pid(self.marker)


@dataclass
class Lease:
    """One episode's context in one browser slot."""

    context: BrowserContext
    slot: BrowserSlot
    generation: int  # slot.launches when the context was made: a relaunch means this context is gone

    @property
    def alive(self) -> bool:
        return self.slot.alive and self.slot.launches == self.generation


@dataclass(frozen=True)
class PageSetup:
    """What a fresh page needs before an episode gets it; spares do it ahead of time.

    ``key`` says which episodes a set-up page fits; ``run`` returns a ticket the episode keeps (the
    shop's session token); ``discard`` frees the ticket of a page thrown away unused."""

    key: str
    run: Callable[[Lease, Page], Awaitable[Any]]
    discard: Callable[[Any], None]


@dataclass
class ReadyPage:
    lease: Lease
    page: Page
    setup: PageSetup | None = None
    ticket: Any = None
    crashed: bool = False  # its renderer died while it waited as a spare
    uses: int = 0  # episodes it has served before (a given-back, wiped page: 1 or more)
    cdp: CDPSession | None = None  # the page's CDP session (made when it is first given back)
    in_episode: bool = False  # handed to an episode by new_page, not yet given back

    def usable(self) -> bool:
        return self.lease.alive and not self.page.is_closed() and not self.crashed

    def discard_ticket(self) -> None:
        if self.setup is not None and self.ticket is not None:
            self.setup.discard(self.ticket)
            self.ticket = None

    async def throw_away(self) -> None:
        self.discard_ticket()
        await release_lease(self.lease)


SpareKey = tuple[str, str, str]


def spare_key(init_script: str, setup: PageSetup | None, options: dict[str, Any]) -> SpareKey:
    """Which episodes a spare fits: same init script, context options and setup."""
    return init_script, json.dumps(options, sort_keys=True, default=str), setup.key if setup else ""


class BrowserPool:
    def __init__(
        self, playwright: Playwright, config: PoolConfig, driver_alive: Callable[[], bool] = lambda: True
    ) -> None:
        self.playwright = playwright
        self.config = config
        self.slots = [BrowserSlot(i, driver_alive=driver_alive) for i in range(max(1, config.size))]
        self._closed = False
        self._spares: dict[SpareKey, list[ReadyPage]] = {}
        self._pending: dict[SpareKey, int] = {}
        self._refills: set[asyncio.Task[None]] = set()
        self._out: dict[SpareKey, int] = {}  # pages of a kind that can be given back, now in episodes

    async def _ensure(self, slot: BrowserSlot) -> Browser:
        async with slot.lock:
            if slot.alive:
                assert slot.browser is not None
                return slot.browser
            if slot.browser is not None:
                slot.contexts.clear()  # they died with the process
            slot.marker = uuid.uuid4().hex
            args = [*launch_args(self.config.extra_args), MARKER_FLAG + slot.marker]
            browser = await self.playwright.chromium.launch(
                executable_path=self.config.executable,
                headless=self.config.headless,
                args=args,
                handle_sigint=False,
                handle_sigterm=False,
                handle_sighup=False,
            )
            slot.browser, slot.launches = browser, slot.launches + 1

            def on_disconnected(_: Any, slot: BrowserSlot = slot, browser: Browser = browser) -> None:
                if slot.browser is browser:
                    slot.browser = None
                    slot.contexts.clear()
                    if not self._closed:
                        slot.crashes += 1

            browser.on("disconnected", on_disconnected)
            return browser

    async def new_context(self, **options: Any) -> Lease:
        """A fresh context on the least busy browser, relaunching it if it died."""
        if self._closed:
            raise BrowserCrashed("the browser pool is shut down")
        slot = min(self.slots, key=lambda s: (len(s.contexts), not s.alive))
        for attempt in range(2):
            browser = await self._ensure(slot)
            try:
                context = await browser.new_context(**options)
            except PlaywrightError as exc:
                if attempt == 0 and not browser.is_connected():
                    continue  # died between the check and the call: relaunch once
                raise BrowserCrashed(f"could not open a browser context: {exc.message}") from exc
            slot.contexts.add(context)
            return Lease(context=context, slot=slot, generation=slot.launches)
        raise BrowserCrashed("Chromium died twice while opening a context")

    async def new_page(self, init_script: str, setup: PageSetup | None = None, **options: Any) -> ReadyPage:
        """A fresh context with ``init_script`` installed and one page, set up by ``setup``: a ready
        spare when there is one (never used before, or a MiniWoB page wiped after its episode: see
        ``give_back``; nothing can leak), else made now. Call
        ``refill`` with the same arguments once the episode's first observation is taken: preparing
        the next spare competes with it for the browser's main thread."""
        key = spare_key(init_script, setup, options)
        spares = self._spares.get(key, [])
        ready = None
        while spares and ready is None:
            ready = spares.pop()
            if ready.usable():
                ready.lease.slot.contexts.add(ready.lease.context)
            else:
                await ready.throw_away()
                ready = None
        if ready is None:
            ready = await self._open(init_script, setup, options, spare=False)
        if self._reusable(setup):
            self._out[key] = self._out.get(key, 0) + 1
        ready.in_episode = True
        return ready

    def _reusable(self, setup: PageSetup | None) -> bool:
        return setup is None and self.config.reuses > 1

    async def give_back(
        self, ready: ReadyPage, origins: list[str], clean: bool, init_script: str, **options: Any
    ) -> None:
        """The end of an episode that took ``ready`` from ``new_page(init_script, None, **options)``.
        When ``clean`` (the episode kept to one tab on ``origins`` and its page did not crash) and the
        page may serve another episode, it is wiped in the background and becomes a spare; else its
        context is closed (awaited). Wiping clears what the episode's pages could have stored on
        ``origins``: their cookies, local and session storage, IndexedDB, cache storage, and the tab's
        ``window.name``; the episode's document is gone first (the page is on about:blank)."""
        key = spare_key(init_script, None, options)
        if self._reusable(None) and self._out.get(key, 0) > 0:
            self._out[key] -= 1
        ready.lease.slot.contexts.discard(ready.lease.context)  # no longer an episode's
        ready.in_episode = False
        keep = (
            clean
            and not self._closed
            and self._reusable(None)
            and ready.uses + 1 < self.config.reuses
            and ready.usable()
            and len(self._spares.get(key, [])) + self._pending.get(key, 0) < self.config.spares
        )
        if not keep:
            await release_lease(ready.lease)
            return
        self._pending[key] = self._pending.get(key, 0) + 1
        task = asyncio.get_running_loop().create_task(self._wipe(key, ready, origins))
        self._refills.add(task)
        task.add_done_callback(self._refills.discard)

    async def _wipe(self, key: SpareKey, ready: ReadyPage, origins: list[str]) -> None:
        try:
            page = ready.page
            if ready.cdp is None:
                ready.cdp = await ready.lease.context.new_cdp_session(page)
            await page.goto("about:blank")  # the episode's document (its timers, its handlers) goes first
            # Kept by the tab across navigations. Through the page's CDP session, not page.evaluate:
            # Playwright's first evaluation in a document installs its helper script there first
            # (about 6 ms of CPU per episode, docs/web.md "Benchmark").
            await ready.cdp.send("Runtime.evaluate", {"expression": "window.name = ''"})
            # The renderer keeps the last mouse position across documents and would hover the next
            # episode's page there; a fresh tab has none. Outside the viewport, nothing is hovered.
            await page.mouse.move(-1, -1)
            # The history of a fresh tab: its first page only (about:blank; the task page follows).
            await ready.cdp.send("Page.resetNavigationHistory")
            for origin in origins:
                await ready.cdp.send("Storage.clearDataForOrigin", {"origin": origin, "storageTypes": "all"})
            await ready.lease.context.clear_cookies()
            ready.uses += 1
            if self._closed or not ready.usable():
                await ready.throw_away()
            else:
                self._spares.setdefault(key, []).append(ready)
        except Exception as exc:  # noqa: BLE001 — a page that cannot be wiped is closed, never reused
            log.debug("could not wipe a page for reuse: %s", exc)
            await release_lease(ready.lease)
        finally:
            self._pending[key] -= 1

    def refill(self, init_script: str, setup: PageSetup | None = None, **options: Any) -> None:
        """Start preparing spares in the background, up to ``spares`` of this kind."""
        key = spare_key(init_script, setup, options)
        # Pages in episodes that will be given back (MiniWoB) count as spares to come: one session
        # then takes and gives back the same pages, and no new context is made while it runs.
        missing = (
            self.config.spares - len(self._spares.get(key, [])) - self._pending.get(key, 0) - self._out.get(key, 0)
        )
        for _ in range(0 if self._closed else missing):
            self._pending[key] = self._pending.get(key, 0) + 1
            task = asyncio.get_running_loop().create_task(self._make_spare(key, init_script, setup, options))
            self._refills.add(task)
            task.add_done_callback(self._refills.discard)

    async def _open(
        self, init_script: str, setup: PageSetup | None, options: dict[str, Any], *, spare: bool
    ) -> ReadyPage:
        lease = await self.new_context(**options)
        if spare:
            lease.slot.contexts.discard(lease.context)  # a spare is not an episode's
        try:
            await lease.context.add_init_script(init_script)
            page = await lease.context.new_page()
        except PlaywrightError as exc:
            await release_lease(lease)
            raise BrowserCrashed(f"could not open a page: {exc.message}") from exc
        ready = ReadyPage(lease, page, setup)
        page.on("crash", lambda _: setattr(ready, "crashed", True))
        if self._reusable(setup):
            _keep_subscribed(page, unattended=lambda: not ready.in_episode)
        if setup is not None:
            try:
                ready.ticket = await setup.run(lease, page)
            except BaseException:
                await release_lease(lease)
                raise
        return ready

    async def _make_spare(
        self, key: SpareKey, init_script: str, setup: PageSetup | None, options: dict[str, Any]
    ) -> None:
        try:
            ready = await self._open(init_script, setup, options, spare=True)
            if self._closed:
                await ready.throw_away()
            else:
                self._spares.setdefault(key, []).append(ready)
        except Exception as exc:  # noqa: BLE001 — a spare is an optimisation: the next reset makes its own
            log.debug("could not prepare a spare page: %s", exc)
        finally:
            self._pending[key] -= 1

    def spare_pages(self) -> list[ReadyPage]:
        """The spares ready now, of every kind (for tests and monitoring; take pages with ``new_page``)."""
        return [ready for kind in self._spares.values() for ready in kind]

    async def spares_ready(self) -> None:
        """Wait until the spares being prepared in the background are ready (benchmarks, tests)."""
        while self._refills:
            await asyncio.wait(list(self._refills))

    async def release(self, lease: Lease) -> None:
        await release_lease(lease)

    def open_contexts(self) -> int:
        return sum(len(s.contexts) for s in self.slots if s.alive)

    def driver_lost(self) -> None:
        """The Playwright driver died and took the browsers with it: forget them (nothing is left to
        close) and give the spares' tickets back. The pool is not used again."""
        self._closed = True
        for task in list(self._refills):
            task.cancel()
        for kind in self._spares.values():
            for ready in kind:
                ready.discard_ticket()
        self._spares.clear()
        for slot in self.slots:
            if slot.browser is not None:
                slot.crashes += 1
            slot.browser = None
            slot.contexts.clear()

    async def aclose(self) -> None:
        self._closed = True
        for task in list(self._refills):
            task.cancel()
        for kind in self._spares.values():
            for ready in kind:
                ready.discard_ticket()  # the contexts go with the browsers below
        self._spares.clear()
        for slot in self.slots:
            browser, slot.browser = slot.browser, None
            slot.contexts.clear()
            if browser is not None:
                try:
                    await browser.close()
                except PlaywrightError:
                    pass


def _keep_subscribed(page: Page, unattended: Callable[[], bool]) -> None:
    """Listen to a reusable page's ``dialog`` and ``requestfailed`` events for its whole life.

    Playwright sends those events to the client only while someone listens, and each episode's
    driver listens to them: without a listener of the page's own, every episode would turn both
    subscriptions on and off again, four messages to the driver (docs/web.md, "Benchmark"). A
    dialog that comes while ``unattended()`` (between episodes: no driver handles it) is dismissed,
    as Playwright does when nobody listens.
    """

    def on_dialog(dialog: Any) -> None:
        if unattended():
            asyncio.get_running_loop().create_task(_dismiss(dialog))

    page.on("dialog", on_dialog)
    page.on("requestfailed", lambda _: None)


async def _dismiss(dialog: Any) -> None:
    try:
        await dialog.dismiss()
    except PlaywrightError:
        pass


async def release_lease(lease: Lease) -> None:
    """Close an episode's context (idempotent; a dead browser has nothing left to close)."""
    lease.slot.contexts.discard(lease.context)
    if lease.alive:
        try:
            await lease.context.close()
        except PlaywrightError:
            pass
