"""One episode's browser tab: runs the agent's calls as fixed Playwright operations and takes snapshots.

Element actions check the element and do their DOM part in one main-world evaluation
(``element.js``), then send real mouse or keyboard events; only an element that is not actionable
at once (hidden, disabled, moving, covered, a special input) goes through Playwright's locator,
which waits for it. Installing Playwright's selector engine in every new document cost more CPU
than the navigation itself (docs/web.md, "Latency").

Runs on the web runtime's loop. Failing actions (no such id, element not visible, option not found,
refused URL) return an error string that goes into the next observation; a dead browser or a
crashed page raises ``BrowserCrashed``, which ends the episode as ``env_error``.

Example:
    >>> driver = PageDriver(lease, page, allowed_origins=["http://127.0.0.1:4000"], options=SnapshotOptions())  # doctest: +SKIP
    >>> await driver.execute(Call("click", {"id": 3}))                                                           # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import base64
import re
from importlib import resources
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeoutError
from playwright.async_api import Page

from envgym.errors import InvalidAction

from envgym_web.actions import Call, resolve_url, url_allowed
from envgym_web.browser import Lease
from envgym_web.errors import BrowserCrashed
from envgym_web.observe import PageSnapshot, SnapshotOptions, read_page


ID_PREFIX = re.compile(r"^\s*\[(\d+)\] ")
ELEMENT_JS = resources.files("envgym_web").joinpath("element.js").read_text(encoding="utf-8")
NAVIGATION_POLL_S = 0.1  # re-check that a started navigation was not cancelled this often

# Installed in every document of the episode: records that a navigation has started (link, script)
# or is about to (a form submission, which Chromium starts in a later task), so that after an
# action we wait for the new page instead of reading the old one. A submission counts once its
# submit event is over and was not cancelled; ``NAVIGATING_JS`` reads both after the action.
NAV_TRACKER_JS = """(() => { window.__envgymNavigating = false; window.__envgymSubmit = null;
  if (window.navigation) navigation.addEventListener('navigate', (e) => { if (!e.hashChange) window.__envgymNavigating = true; });
  window.addEventListener('submit', (e) => { window.__envgymSubmit = e; });
})();"""
NAVIGATING_JS = """() => { const s = window.__envgymSubmit;
  const target = s ? ((s.submitter && s.submitter.getAttribute('formtarget')) || s.target.getAttribute('target') || '') : '';
  return window.__envgymNavigating === true || (s !== null && s !== undefined && !s.defaultPrevented && (target === '' || target === '_self'));
}"""


class PageDriver:
    def __init__(self, lease: Lease, page: Page, *, allowed_origins: list[str], options: SnapshotOptions,
                 action_timeout_ms: float = 10_000, allowed_paths: frozenset[str] | None = None,
                 prepared: PageSnapshot | None = None) -> None:
        self.lease = lease
        # A static page (the shop) read while it was set up, before this episode: the first snapshot
        # is that one, as long as the page has not navigated since.
        self._prepared = prepared
        self.page = page
        self.allowed_origins = allowed_origins
        self.allowed_paths = allowed_paths  # MiniWoB: only the task's own page (other task pages share the origin)
        self.options = options
        self.timeout = action_timeout_ms
        self.crashed = False
        self.dialogs: list[str] = []
        self.navigations = 0
        self._navigated = asyncio.Event()  # set at every main-frame navigation; cleared by the waiter
        self._loaded_at: int | None = None  # self.navigations when DOMContentLoaded was last awaited
        self.fallbacks = 0  # actions that needed Playwright's waiting locator (element not actionable at once)
        self._not_actionable: str | None = None  # why the current action needed it, added to its error
        self.known_ids: set[int] | None = None  # ids listed in the last snapshot: unknown ids fail without a browser round trip
        page.on("framenavigated", self._on_navigated)
        page.on("crash", self._on_crash)
        page.on("dialog", self._on_dialog)
        page.context.on("page", self._on_popup)

    def _on_navigated(self, frame: Any) -> None:
        if frame == self.page.main_frame:
            self.navigations += 1
            self._navigated.set()

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
                if self._prepared is not None and self._prepared.url == self.page.url and self.navigations == 0:
                    snap = self._prepared  # read when the page was set up; nothing happened on it since
                else:
                    await self._dom_ready()
                    snap = await read_page(self.page, self.options)
                self._prepared = None
                self.known_ids = {int(m.group(1)) for m in map(ID_PREFIX.match, snap.lines) if m}
                return snap
            except PlaywrightError as exc:
                self.check_alive()
                # A navigation that starts while we read the page destroys the context: read again.
                if attempt == 2 or "context was destroyed" not in exc.message and "navigat" not in exc.message:
                    raise BrowserCrashed(f"could not read the page: {exc.message.splitlines()[0]}") from exc
                await asyncio.sleep(0.05)
        raise AssertionError("unreachable")

    async def _dom_ready(self, timeout_ms: float | None = None) -> None:
        # Each wait is a round trip to the Playwright driver: skip it when nothing navigated since the last one.
        if self._loaded_at == self.navigations:
            return
        seen = self.navigations
        await self.page.wait_for_load_state("domcontentloaded", timeout=timeout_ms or self.timeout)
        self._loaded_at = seen

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
        self._not_actionable = None
        try:
            await self._run(call)
        except InvalidAction as exc:
            return exc.message
        except PlaywrightError as exc:
            self.check_alive()
            if not (isinstance(exc, PlaywrightTimeoutError) and self.navigations > before):
                first = exc.message.splitlines()[0] if exc.message else type(exc).__name__
                why = f" ({self._not_actionable})" if self._not_actionable else ""
                return f"{call.name} failed: {first}{why}"
            # The action went through and led to a new page; only Playwright's post-action wait ran
            # out (seen on a saturated machine). Wait for that page like after any navigation.
            await self._settle(before)
        return await self._enforce_origin()

    async def _prepare(self, element_id: int, op: str, **args: Any) -> dict[str, Any]:
        """One main-world round trip that checks the element and does the DOM part of ``op`` (element.js)."""
        await self._existing(element_id)
        result: dict[str, Any] = await self.page.evaluate(ELEMENT_JS, {"id": int(element_id), "op": op, **args})
        if "error" in result:
            raise InvalidAction(result["error"])
        if "fallback" in result:
            self.fallbacks += 1
            self._not_actionable = result["fallback"]
        return result

    # Element actions take the one-round-trip path (element.js, then real mouse or keyboard events)
    # and use Playwright's locator, which waits up to the timeout for the element to become
    # actionable, only when it is not actionable at once: the same checks, without installing
    # Playwright's selector engine in every new document.
    async def _pointer(self, call: Call) -> None:
        ready = await self._prepare(call.args["id"], call.name)
        if "point" in ready:
            x, y = ready["point"]
            await (self.page.mouse.click(x, y) if call.name == "click" else self.page.mouse.move(x, y))
            return
        el = await self._existing(call.args["id"])
        await (el.click(timeout=self.timeout) if call.name == "click" else el.hover(timeout=self.timeout))

    async def _type(self, element_id: int, text: str, submit: bool) -> None:
        ready = await self._prepare(element_id, "type", text=text)
        if "done" in ready:
            # The field has the focus and its text is selected: typing replaces it, as Playwright's fill does.
            await (self.page.keyboard.insert_text(text) if text else self.page.keyboard.press("Delete"))
            if submit:
                await self.page.keyboard.press("Enter")
            return
        el = await self._existing(element_id)
        await el.fill(text, timeout=self.timeout)
        if submit:
            await el.press("Enter", timeout=self.timeout)

    async def _select(self, element_id: int, option: str) -> None:
        if "done" in await self._prepare(element_id, "select", option=option):
            return
        el = await self._existing(element_id)
        try:
            await el.select_option(label=option, timeout=self.timeout)
        except PlaywrightError:
            await el.select_option(value=option, timeout=self.timeout)

    async def _run(self, call: Call) -> None:
        a, t = call.args, self.timeout
        before = self.navigations
        if call.name in ("click", "hover"):
            await self._pointer(call)
        elif call.name == "type":
            await self._type(a["id"], a["text"], bool(a.get("submit")))
        elif call.name == "select":
            await self._select(a["id"], a["option"])
        elif call.name == "press":
            await self.page.keyboard.press(a["key"])
        elif call.name == "scroll":
            dx, dy = {"up": (0, -1), "down": (0, 1), "left": (-1, 0), "right": (1, 0)}[a["direction"]]
            if "id" in a:
                await self._prepare(a["id"], "scroll", dx=dx, dy=dy)
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
        """Wait for a navigation the action started (mouse and keyboard events return before it commits)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(self.timeout, 10_000) / 1000
        while self.navigations == navigations_before and loop.time() < deadline:
            try:
                if not await self.page.evaluate(NAVIGATING_JS):
                    break
            except PlaywrightError:
                pass  # the old document went away mid-call: the navigation is committing
            # Sleep until the commit (framenavigated) instead of polling the page; wake up now and
            # then to notice a navigation that was cancelled (the flag then stays up: deadline).
            self._navigated.clear()
            if self.navigations == navigations_before:
                try:
                    await asyncio.wait_for(self._navigated.wait(), NAVIGATION_POLL_S)
                except asyncio.TimeoutError:
                    pass
        await self._dom_ready(max(self.timeout, 10_000))

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
