"""One episode's browser tab: runs the agent's calls as fixed Playwright operations and takes snapshots.

Runs on the web runtime's loop. Failing actions (no such id, element not visible, option not found,
refused URL) return an error string that goes into the next observation; a dead browser or a
crashed page raises ``BrowserCrashed``, which ends the episode as ``env_error``.

Example:
    >>> driver = PageDriver(lease, allowed_origins=["http://127.0.0.1:4000"], options=SnapshotOptions())  # doctest: +SKIP
    >>> await driver.execute(Call("click", {"id": 3}))                                                     # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import base64
import re
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeoutError
from playwright.async_api import Page

from envgym.errors import InvalidAction

from envgym_web.actions import Call, resolve_url, url_allowed
from envgym_web.browser import Lease
from envgym_web.errors import BrowserCrashed
from envgym_web.observe import SNAPSHOT_JS, PageSnapshot, SnapshotOptions


ID_PREFIX = re.compile(r"^\s*\[(\d+)\] ")

# Installed in every document of the episode: records that a navigation has started (link, form
# submission, script), so that after an action we wait for the new page instead of reading the old one.
NAV_TRACKER_JS = """(() => { window.__envgymNavigating = false;
  if (window.navigation) navigation.addEventListener('navigate', (e) => { if (!e.hashChange) window.__envgymNavigating = true; });
})();"""


class PageDriver:
    def __init__(self, lease: Lease, page: Page, *, allowed_origins: list[str], options: SnapshotOptions,
                 action_timeout_ms: float = 10_000, allowed_paths: frozenset[str] | None = None) -> None:
        self.lease = lease
        self.page = page
        self.allowed_origins = allowed_origins
        self.allowed_paths = allowed_paths  # MiniWoB: only the task's own page (other task pages share the origin)
        self.options = options
        self.timeout = action_timeout_ms
        self.crashed = False
        self.dialogs: list[str] = []
        self.navigations = 0
        self.known_ids: set[int] | None = None  # ids listed in the last snapshot: unknown ids fail without a browser round trip
        page.on("framenavigated", self._on_navigated)
        page.on("crash", self._on_crash)
        page.on("dialog", self._on_dialog)
        page.context.on("page", self._on_popup)

    def _on_navigated(self, frame: Any) -> None:
        if frame == self.page.main_frame:
            self.navigations += 1

    # ------------------------------------------------------------------ events
    def _on_crash(self, _: Any) -> None:
        self.crashed = True

    def _on_dialog(self, dialog: Any) -> None:
        # alert/confirm/prompt would block the page; accept them and tell the agent what they said.
        self.dialogs.append(f"{dialog.type}: {dialog.message}"[:300])
        asyncio.get_running_loop().create_task(self._accept(dialog))

    @staticmethod
    async def _accept(dialog: Any) -> None:
        try:
            await dialog.accept()
        except PlaywrightError:
            pass

    def _on_popup(self, popup: Page) -> None:
        # One tab per episode: new windows are closed (the agent sees an error note).
        if popup is not self.page:
            self.dialogs.append("a link tried to open a new window; it was closed")
            asyncio.get_running_loop().create_task(popup.close())

    def check_alive(self) -> None:
        if self.crashed:
            raise BrowserCrashed("the page crashed (Chromium renderer died)")
        if not self.lease.alive:
            raise BrowserCrashed("Chromium exited during the episode")

    # ------------------------------------------------------------------ snapshots
    async def snapshot(self) -> PageSnapshot:
        self.check_alive()
        for attempt in range(3):
            try:
                await self.page.wait_for_load_state("domcontentloaded", timeout=self.timeout)
                raw = await self.page.evaluate(SNAPSHOT_JS, self.options.to_js())
                snap = PageSnapshot(url=raw["url"], title=raw["title"], lines=list(raw["lines"]))
                self.known_ids = {int(m.group(1)) for m in map(ID_PREFIX.match, snap.lines) if m}
                return snap
            except PlaywrightError as exc:
                self.check_alive()
                # A navigation that starts while we read the page destroys the context: read again.
                if attempt == 2 or "context was destroyed" not in exc.message and "navigat" not in exc.message:
                    raise BrowserCrashed(f"could not read the page: {exc.message.splitlines()[0]}") from exc
                await asyncio.sleep(0.05)
        raise AssertionError("unreachable")

    async def screenshot(self) -> str:
        self.check_alive()
        png = await self.page.screenshot(type="png", timeout=self.timeout)
        return base64.b64encode(png).decode("ascii")

    # ------------------------------------------------------------------ actions
    def _element(self, element_id: int) -> Any:
        return self.page.locator(f'[data-envgym-id="{int(element_id)}"]')

    async def _existing(self, element_id: int) -> Any:
        if self.known_ids is not None and element_id not in self.known_ids:
            raise InvalidAction(f"no element [{element_id}] on this page; use an id from the latest page text")
        return self._element(element_id).first

    async def goto(self, url: str) -> None:
        target = resolve_url(url, self.page.url, self.allowed_origins, self.allowed_paths)
        await self.page.goto(target, wait_until="domcontentloaded", timeout=max(self.timeout, 10_000))

    async def execute(self, call: Call) -> str | None:
        """Run one non-terminal call; returns an error message for the agent, or None."""
        self.check_alive()
        before = self.navigations
        try:
            await self._run(call)
        except InvalidAction as exc:
            return exc.message
        except PlaywrightError as exc:
            self.check_alive()
            if not (isinstance(exc, PlaywrightTimeoutError) and self.navigations > before):
                first = exc.message.splitlines()[0] if exc.message else type(exc).__name__
                return f"{call.name} failed: {first}"
            # The action went through and led to a new page; only Playwright's post-action wait ran
            # out (seen on a saturated machine). Wait for that page like after any navigation.
            await self._settle(before)
        return await self._enforce_origin()

    async def _run(self, call: Call) -> None:
        a, t = call.args, self.timeout
        before = self.navigations
        if call.name == "click":
            await (await self._existing(a["id"])).click(timeout=t)
        elif call.name == "hover":
            await (await self._existing(a["id"])).hover(timeout=t)
        elif call.name == "type":
            el = await self._existing(a["id"])
            await el.fill(a["text"], timeout=t)
            if a.get("submit"):
                await el.press("Enter", timeout=t)
        elif call.name == "select":
            el = await self._existing(a["id"])
            try:
                await el.select_option(label=a["option"], timeout=t)
            except PlaywrightError:
                await el.select_option(value=a["option"], timeout=t)
        elif call.name == "press":
            await self.page.keyboard.press(a["key"])
        elif call.name == "scroll":
            dx, dy = {"up": (0, -1), "down": (0, 1), "left": (-1, 0), "right": (1, 0)}[a["direction"]]
            if "id" in a:
                await (await self._existing(a["id"])).evaluate(
                    "(el, d) => el.scrollBy(d[0] * el.clientWidth * 0.8, d[1] * el.clientHeight * 0.8)", [dx, dy])
            else:
                await self.page.evaluate("(d) => window.scrollBy(d[0] * innerWidth * 0.8, d[1] * innerHeight * 0.8)", [dx, dy])
        elif call.name == "goto":
            await self.goto(a["url"])
        elif call.name == "back":
            if await self.page.go_back(wait_until="domcontentloaded", timeout=t) is None:
                raise InvalidAction("back(): there is no previous page")
        else:
            raise InvalidAction(f"{call.name}() cannot be run here")
        await self._settle(before)

    async def _settle(self, navigations_before: int) -> None:
        """Wait for a navigation the action started (under load it can commit after the action returns)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(self.timeout, 10_000) / 1000
        while self.navigations == navigations_before and loop.time() < deadline:
            try:
                if not await self.page.evaluate("() => window.__envgymNavigating === true"):
                    break
            except PlaywrightError:
                pass  # the old document went away mid-call: the navigation is committing
            await asyncio.sleep(0.01)
        await self.page.wait_for_load_state("domcontentloaded", timeout=max(self.timeout, 10_000))

    async def _enforce_origin(self) -> str | None:
        # A link or form may lead off the task's site: come back and say so.
        url = self.page.url
        if url.startswith("about:") or url_allowed(url, self.allowed_origins, self.allowed_paths):
            return None
        await self.page.go_back(wait_until="domcontentloaded", timeout=self.timeout)
        return f"navigation to {url} was refused: it is outside this task's site"

    def take_notes(self) -> list[str]:
        notes, self.dialogs = [f"Browser message: {d}" for d in self.dialogs], []
        return notes
