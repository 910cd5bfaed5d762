"""A pool of long-lived Chromium processes, with a fresh browser context per episode.

Launching Chromium costs seconds, so each worker keeps ``size`` browsers running and gives every
episode its own context (cookies, storage and pages die with it). A context with its first page
costs a new renderer process (a few hundred ms of CPU), so ``new_page`` hands over a spare made in
the background, already set up for the episode (``PageSetup``: e.g. the shop session and its start
page), and never used before. A browser that disconnects (crash, OOM kill) is marked dead at once;
the episodes that had contexts in it fail as ``env_error`` and the next ``new_context`` relaunches it.

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

from playwright.async_api import Browser, BrowserContext, Page, Playwright
from playwright.async_api import Error as PlaywrightError

from envgym_web import processes
from envgym_web.chromium import launch_args
from envgym_web.errors import BrowserCrashed

log = logging.getLogger("envgym_web")
# Spares per kind of episode: with 4 concurrent sessions on 2 cores, 1 spare was gone at most
# resets (reset p50 1.2-1.9 s), 4 keep the reset p50 at 7-12 ms (docs/web.md, "Latency"). One
# costs ~20 MB (its renderer).
DEFAULT_SPARES = 4
MARKER_FLAG = processes.BROWSER_MARK.decode()  # an inert switch that lets us find the process (pid) of each browser


@dataclass(frozen=True)
class PoolConfig:
    size: int = 1
    executable: str | None = None  # None: Playwright's own browser
    headless: bool = True
    extra_args: tuple[str, ...] = ()
    # fresh contexts kept ready (page set up) per kind of episode, so a reset does not wait
    spares: int = DEFAULT_SPARES


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
        spare when there is one (never used before, so nothing can leak), else made now. Call
        ``refill`` with the same arguments once the episode's first observation is taken: preparing
        the next spare competes with it for the browser's main thread."""
        spares = self._spares.get(spare_key(init_script, setup, options), [])
        while spares:
            ready = spares.pop()
            if ready.usable():
                ready.lease.slot.contexts.add(ready.lease.context)
                return ready
            await ready.throw_away()
        return await self._open(init_script, setup, options, spare=False)

    def refill(self, init_script: str, setup: PageSetup | None = None, **options: Any) -> None:
        """Start preparing spares in the background, up to ``spares`` of this kind."""
        key = spare_key(init_script, setup, options)
        missing = self.config.spares - len(self._spares.get(key, [])) - self._pending.get(key, 0)
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


async def release_lease(lease: Lease) -> None:
    """Close an episode's context (idempotent; a dead browser has nothing left to close)."""
    lease.slot.contexts.discard(lease.context)
    if lease.alive:
        try:
            await lease.context.close()
        except PlaywrightError:
            pass
