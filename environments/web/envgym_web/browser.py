"""A pool of long-lived Chromium processes, with a fresh browser context per episode.

Launching Chromium costs about a second, a context about ten milliseconds, so each worker keeps
``size`` browsers running and gives every episode its own context (cookies, storage and pages die
with it). A browser that disconnects (crash, OOM kill) is marked dead at once; the episodes that had
contexts in it fail as ``env_error`` and the next ``new_context`` relaunches it.

Everything here runs on the web runtime's event loop (see ``runtime.py``).

Example:
    >>> pool = BrowserPool(PoolConfig(size=1, executable="/usr/bin/chromium"))  # doctest: +SKIP
    >>> lease = await pool.new_context()                                     # doctest: +SKIP
    >>> await pool.release(lease)                                            # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from dataclasses import dataclass, field
from typing import Any

from playwright.async_api import Browser, BrowserContext, Page, Playwright
from playwright.async_api import Error as PlaywrightError

from envgym_web.errors import BrowserCrashed

# Flags that keep a headless Chromium quiet and self-contained on a machine without a GPU or network.
CHROMIUM_ARGS = (
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-dev-shm-usage", "--disable-extensions",
    "--disable-default-apps", "--mute-audio",
)
MARKER_FLAG = "--envgym-browser="  # an inert switch that lets us find the process (pid) of each browser


@dataclass(frozen=True)
class PoolConfig:
    size: int = 1
    executable: str | None = None  # None: Playwright's own browser
    headless: bool = True
    extra_args: tuple[str, ...] = ()
    spares: int = 1  # fresh contexts kept ready (with a blank page) so a reset does not wait for one


@dataclass
class BrowserSlot:
    index: int
    marker: str = field(default_factory=lambda: uuid.uuid4().hex)
    browser: Browser | None = None
    contexts: set[BrowserContext] = field(default_factory=set)
    launches: int = 0
    crashes: int = 0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def alive(self) -> bool:
        return self.browser is not None and self.browser.is_connected()

    def pid(self) -> int | None:
        """The browser process's pid (found by its marker switch), or None when it is not running."""
        needle = (MARKER_FLAG + self.marker).encode()
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as fh:
                    args = fh.read().split(b"\0")
            except OSError:
                continue
            if needle in args and not any(a.startswith(b"--type=") for a in args):
                return int(entry)
        return None


@dataclass
class Lease:
    """One episode's context in one browser slot."""

    context: BrowserContext
    slot: BrowserSlot
    generation: int  # slot.launches when the context was made: a relaunch means this context is gone

    @property
    def alive(self) -> bool:
        return self.slot.alive and self.slot.launches == self.generation


class BrowserPool:
    def __init__(self, playwright: Playwright, config: PoolConfig) -> None:
        self.playwright = playwright
        self.config = config
        self.slots = [BrowserSlot(i) for i in range(max(1, config.size))]
        self._closed = False
        self._spares: dict[tuple[str, str], list[tuple[Lease, Page]]] = {}
        self._pending: dict[tuple[str, str], int] = {}
        self._refills: set[asyncio.Task[None]] = set()

    async def _ensure(self, slot: BrowserSlot) -> Browser:
        async with slot.lock:
            if slot.alive:
                assert slot.browser is not None
                return slot.browser
            if slot.browser is not None:
                slot.contexts.clear()  # they died with the process
            slot.marker = uuid.uuid4().hex
            args = [*CHROMIUM_ARGS, *self.config.extra_args, MARKER_FLAG + slot.marker]
            browser = await self.playwright.chromium.launch(
                executable_path=self.config.executable, headless=self.config.headless, args=args,
                handle_sigint=False, handle_sigterm=False, handle_sighup=False)
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

    async def new_page(self, init_script: str, **options: Any) -> tuple[Lease, Page]:
        """A fresh context with ``init_script`` installed and one blank page; taken from the ready
        spares when there is one (never used before, so nothing can leak), then refilled in the background."""
        key = (init_script, json.dumps(options, sort_keys=True, default=str))
        spares = self._spares.get(key, [])
        while spares:
            lease, page = spares.pop()
            if lease.alive and not page.is_closed():
                lease.slot.contexts.add(lease.context)
                self._refill(key, init_script, options)
                return lease, page
        lease = await self.new_context(**options)
        try:
            await lease.context.add_init_script(init_script)
            page = await lease.context.new_page()
        except PlaywrightError as exc:
            await release_lease(lease)
            raise BrowserCrashed(f"could not open a page: {exc.message}") from exc
        self._refill(key, init_script, options)
        return lease, page

    def _refill(self, key: tuple[str, str], init_script: str, options: dict[str, Any]) -> None:
        if self._closed or len(self._spares.get(key, [])) + self._pending.get(key, 0) >= self.config.spares:
            return
        self._pending[key] = self._pending.get(key, 0) + 1
        task = asyncio.get_running_loop().create_task(self._make_spare(key, init_script, options))
        self._refills.add(task)
        task.add_done_callback(self._refills.discard)

    async def _make_spare(self, key: tuple[str, str], init_script: str, options: dict[str, Any]) -> None:
        try:
            lease = await self.new_context(**options)
            lease.slot.contexts.discard(lease.context)  # a spare is not an episode's
            await lease.context.add_init_script(init_script)
            page = await lease.context.new_page()
            if self._closed:
                await release_lease(lease)
            else:
                self._spares.setdefault(key, []).append((lease, page))
        except (PlaywrightError, BrowserCrashed):
            pass  # the next reset makes its own context
        finally:
            self._pending[key] -= 1

    async def release(self, lease: Lease) -> None:
        await release_lease(lease)

    def open_contexts(self) -> int:
        return sum(len(s.contexts) for s in self.slots if s.alive)

    async def aclose(self) -> None:
        self._closed = True
        for task in list(self._refills):
            task.cancel()
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
