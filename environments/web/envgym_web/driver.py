"""One episode's browser tabs: runs the agent's calls as fixed Playwright operations and takes snapshots.

Element actions check the element and do their DOM part in one main-world evaluation
(``element.js``), then send real mouse or keyboard events; only an element that is not actionable
at once (hidden, disabled, moving, covered everywhere, a special input) goes through Playwright's
locator, which waits for it. Installing Playwright's selector engine in every new document cost
more CPU than the navigation itself (docs/web.md, "Latency"). Coordinate actions (``click_at``,
``drag``, ...) take points of the viewport in CSS pixels, the coordinates ``at=x,y`` shows.

An episode has up to ``MAX_TABS`` tabs (``new_tab``, or a link that opens a window); actions and
observations are on the active one. Runs on the web runtime's loop. Failing actions (no such id,
element not visible, option not found, refused URL) return an error string that goes into the next
observation; a dead browser or a crashed page raises ``BrowserCrashed``, which ends the episode as
``env_error``.

Example:
    >>> driver = PageDriver(lease, page, allowed_origins=["http://127.0.0.1:4000"], options=SnapshotOptions())  # doctest: +SKIP
    >>> await driver.execute(Call("click", {"id": 3}))                                                           # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import base64
import re
from importlib import resources
from typing import Any, Callable

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from envgym.protocol.errors import InvalidAction
from envgym_web.actions import Call, resolve_url, url_allowed
from envgym_web.browser import Lease
from envgym_web.errors import BrowserCrashed
from envgym_web.observe import PageSnapshot, SnapshotOptions, page_js, read_page, snapshot_args, to_snapshot

ID_PREFIX = re.compile(r"^\s*\[(\d+)\] ")
ELEMENT_JS = resources.files("envgym_web").joinpath("element.js").read_text(encoding="utf-8")
WAIT_JS = resources.files("envgym_web").joinpath("wait.js").read_text(encoding="utf-8")
MAX_TABS = 5
# The page scrolled by most of a screen (or d[2] pixels); answers after the next rendering step, where
# scroll events fire, so the page's scroll handlers have run when the observation is taken (as
# element.js does for an element; at most 100 ms: a background tab renders no frames).
PAGE_SCROLL_JS = """async (d) => {
  window.scrollBy(d[0] * (d[2] || innerWidth * 0.8), d[1] * (d[2] || innerHeight * 0.8));
  await new Promise((resolve) => { requestAnimationFrame(() => setTimeout(resolve, 0)); setTimeout(resolve, 100); });
}"""
MIN_NAVIGATION_MS = 10_000  # a navigation an action started may take this long even with a short action timeout

# Installed in every document of the episode: records that a navigation has started (link, script)
# or is about to (a form submission, which Chromium starts in a later task), so that after an
# action we wait for the new page instead of reading the old one. A submission counts once its
# submit event is over and was not cancelled; ``NAVIGATING_JS`` reads both after the action, and
# clears them, so that a navigation that never commits (a 204 answer, a download) is not waited for
# again by the next action.
# Likewise for a new window (a link with a target, window.open): the tab appears a moment after the
# click, and the observation should show it.
NAV_TRACKER_JS = """(() => { window.__envgymNavigating = false; window.__envgymSubmit = null; window.__envgymPopup = false;
  if (window.navigation) navigation.addEventListener('navigate', (e) => {
    if (!e.hashChange && !(e.destination && e.destination.sameDocument) && !e.downloadRequest) window.__envgymNavigating = true; });
  window.addEventListener('submit', (e) => { window.__envgymSubmit = e; });
  window.addEventListener('click', (e) => {
    const a = e.target && e.target.closest ? e.target.closest('a[href]') : null;
    if (!a || e.defaultPrevented) return;
    const t = (a.getAttribute('target') || '').toLowerCase();
    if ((t && !['_self', '_top', '_parent'].includes(t)) || e.ctrlKey || e.metaKey || e.shiftKey) window.__envgymPopup = true;
  });
  const open = window.open;
  window.open = function (...args) { window.__envgymPopup = true; return open.apply(this, args); };
})();"""
NAVIGATING_JS = """() => { const s = window.__envgymSubmit;
  const target = s ? ((s.submitter && s.submitter.getAttribute('formtarget')) || s.target.getAttribute('target') || '') : '';
  const here = target === '' || ['_self', '_top', '_parent'].includes(target.toLowerCase());
  const submitted = s !== null && s !== undefined && !s.defaultPrevented;
  const out = {navigating: window.__envgymNavigating === true || (submitted && here),
               popup: window.__envgymPopup === true || (submitted && !here)};
  window.__envgymNavigating = false; window.__envgymSubmit = null; window.__envgymPopup = false;
  return out;
}"""


def after_action_js(status_js: str | None) -> str:
    """The driver's one script for reading the page (``observe.page_js``): after an action, whether a
    navigation or a new window is starting (``NAVIGATING_JS``) and, when neither is and the next
    observation follows, the page's own status (``status_js``: a fixed script of the environment's,
    e.g. MiniWoB's reward globals) and its snapshot, in the same round trip."""
    return page_js(NAVIGATING_JS, status_js)


class PageDriver:
    def __init__(
        self,
        lease: Lease,
        page: Page,
        *,
        allowed_origins: list[str],
        options: SnapshotOptions,
        action_timeout_ms: float = 10_000,
        allowed_paths: frozenset[str] | None = None,
        prepared: PageSnapshot | None = None,
        status_js: str | None = None,
        status_on: Callable[[str], bool] | None = None,
    ) -> None:
        self.lease = lease
        # A static page (the shop) read while it was set up, before this episode: the first snapshot
        # is that one, as long as the page has not navigated since.
        self._prepared = prepared
        self.pages: list[Page] = []
        self.active = 0
        self.allowed_origins = allowed_origins
        self.allowed_paths = allowed_paths  # MiniWoB: only the task's own page (other task pages share the origin)
        self.options = options
        self.timeout = action_timeout_ms
        self.crashed = False
        self.dialogs: list[str] = []
        self.navigations = 0  # main-frame navigations of any tab
        self.cancelled = 0  # main-frame navigations that ended without a new page (204, download, network error)
        self.popups = 0  # windows the pages opened (or tried to)
        # actions after which a started navigation or window never came (waited to the deadline)
        self.settle_timeouts = 0
        self._navigation_event = asyncio.Event()  # set at each of the two; cleared by the waiter
        self._loaded_at: int | None = None  # self.navigations when DOMContentLoaded was last awaited
        self.fallbacks = 0  # actions that needed Playwright's waiting locator (element not actionable at once)
        self._not_actionable: str | None = None  # why the current action needed it, added to its error
        # ids listed in the last snapshot: unknown ids fail without a browser round trip
        self.known_ids: set[int] | None = None
        self.last_boxes: dict[int, tuple[int, int, int, int]] = {}
        # What the next observation needs, read in the round trip that follows an action (see
        # ``after_action_js``): the page's status (``status_js``, read on pages whose URL
        # ``status_on`` accepts) and its snapshot (with boxes when ``read_boxes``). Used only while
        # nothing happened since: same tab, no navigation, no new window.
        self._after_js = after_action_js(status_js)
        self.status_on = status_on if status_js else None
        self.read_boxes = False
        self._read_ahead = False  # the current action is the last before an observation
        self._ahead: tuple[tuple[int, ...], dict[str, Any] | None, PageSnapshot | None] | None = None
        self._opening = False  # new_tab() is making a page (not a window the page opened)
        self.left_site = False  # a page of the episode went outside allowed_origins (then undone)
        self._listeners: list[tuple[Any, str, Callable[..., Any]]] = [(page.context, "page", self._on_popup)]
        self._adopt(page)
        page.context.on("page", self._on_popup)

    @property
    def page(self) -> Page:
        return self.pages[self.active]

    def _adopt(self, page: Page) -> None:
        if page in self.pages:
            return
        self.pages.append(page)
        for event, handler in (
            ("framenavigated", lambda frame, page=page: self._on_navigated(page, frame)),
            ("crash", self._on_crash),
            ("dialog", self._on_dialog),
            ("requestfailed", lambda request, page=page: self._on_request_failed(page, request)),
            ("download", self._on_download),
        ):
            page.on(event, handler)
            self._listeners.append((page, event, handler))

    def detach(self) -> None:
        """Stop listening to the episode's pages and context (before its page is given back for another episode)."""
        for emitter, event, handler in self._listeners:
            emitter.remove_listener(event, handler)
        self._listeners.clear()

    # ------------------------------------------------------------------ events
    def _wake(self) -> None:
        self._navigation_event.set()

    def _on_navigated(self, page: Page, frame: Any) -> None:
        if frame == page.main_frame:
            self.navigations += 1
            self._wake()

    def _on_request_failed(self, page: Page, request: Any) -> None:
        # Chromium reports a navigation that leaves the page where it is (a 204 or 205 answer, a
        # download) as a failed request (net::ERR_ABORTED), like one that failed on the network.
        # Listening to every response instead would cost an event per resource of every page.
        if request.is_navigation_request() and request.frame == page.main_frame:
            self.cancelled += 1
            self._wake()

    def _on_download(self, download: Any) -> None:
        self.dialogs.append("a download was refused (downloads are off)")
        self.cancelled += 1
        self._wake()

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
        if popup in self.pages:
            return
        self.popups += 1
        self._wake()
        if self._opening:
            self._adopt(popup)
            return
        if len(self.pages) >= MAX_TABS:
            self.dialogs.append(f"a link tried to open a new tab; it was closed (at most {MAX_TABS} tabs)")
            asyncio.get_running_loop().create_task(popup.close())
            return
        # A window the page opened (target=_blank, window.open) is a new tab, and the active one.
        self._adopt(popup)
        self.active = len(self.pages) - 1
        self.known_ids = None
        self.dialogs.append(f"a new tab opened: tab {self.active} is now active")

    def check_alive(self) -> None:
        if self.crashed:
            raise BrowserCrashed("the page crashed (Chromium renderer died)")
        if not self.lease.alive:
            if not self.lease.slot.driver_alive():
                raise BrowserCrashed(
                    "the Playwright driver process died during the episode (its browsers went with it)"
                )
            raise BrowserCrashed("Chromium exited during the episode")

    # ------------------------------------------------------------------ snapshots
    def _state(self) -> tuple[int, ...]:
        return self.navigations, self.cancelled, self.popups, self.active, len(self.pages)

    def status_ahead(self) -> dict[str, Any] | None:
        """The page's status read right after the last action (``status_js``), or None when it was
        not read then or something happened since."""
        ahead = self._ahead
        return ahead[1] if ahead is not None and ahead[0] == self._state() else None

    async def read_status(self) -> dict[str, Any] | None:
        """The page's status now (``status_js``, through the same script as the snapshots)."""
        return (await self.page.evaluate(self._after_js, {"status": True}))["status"]

    def _snapshot_ahead(self, boxes: bool) -> PageSnapshot | None:
        ahead, self._ahead = self._ahead, None
        if ahead is None or ahead[2] is None or ahead[0] != self._state() or (boxes and not self.read_boxes):
            return None
        return ahead[2]

    async def snapshot(self, boxes: bool = False) -> PageSnapshot:
        self.check_alive()
        ahead = self._snapshot_ahead(boxes)
        for attempt in range(3):
            try:
                if ahead is not None:
                    snap = ahead  # read in the action's closing round trip; nothing happened since
                elif (
                    self._prepared is not None
                    and not boxes
                    and self._prepared.url == self.page.url
                    and self.navigations == 0
                    and len(self.pages) == 1
                ):
                    snap = self._prepared  # read when the page was set up; nothing happened on it since
                else:
                    await self._dom_ready()
                    snap = await read_page(self.page, self.options, boxes=boxes, script=self._after_js)
                self._prepared = None
                self.known_ids = {int(m.group(1)) for m in map(ID_PREFIX.match, snap.lines) if m}
                self.last_boxes = snap.boxes
                return snap
            except PlaywrightError as exc:
                self.check_alive()
                # A navigation that starts while we read the page destroys the context: read again.
                if attempt == 2 or "context was destroyed" not in exc.message and "navigat" not in exc.message:
                    raise BrowserCrashed(f"could not read the page: {exc.message.splitlines()[0]}") from exc
                await self._dom_ready()
        raise AssertionError("unreachable")

    def loaded(self) -> None:
        """The caller has waited for the current document's load event (``goto(wait_until="load")``):
        reading it next needs no wait for DOMContentLoaded (``wait_for_load_state`` sends the driver
        three messages even when the state is reached). A navigation not yet counted makes
        ``_dom_ready`` wait as before."""
        self._loaded_at = self.navigations

    async def _dom_ready(self, timeout_ms: float | None = None) -> None:
        # Each wait is a round trip to the Playwright driver: skip it when nothing navigated since the last one.
        if self._loaded_at == self.navigations:
            return
        seen = self.navigations
        await self.page.wait_for_load_state("domcontentloaded", timeout=timeout_ms or self.timeout)
        self._loaded_at = seen

    async def screenshot(self) -> bytes:
        self.check_alive()
        return await self.page.screenshot(type="png", timeout=self.timeout)

    async def screenshot_b64(self) -> str:
        return base64.b64encode(await self.screenshot()).decode("ascii")

    def tabs(self) -> list[dict[str, Any]]:
        return [{"index": i, "url": p.url, "active": i == self.active} for i, p in enumerate(self.pages)]

    async def tab_titles(self) -> list[str]:
        titles = []
        for page in self.pages:
            try:
                titles.append(await page.title())
            except PlaywrightError:
                titles.append("")
        return titles

    # ------------------------------------------------------------------ actions
    def _element(self, element_id: int) -> Any:
        return self.page.locator(f'[data-envgym-id="{int(element_id)}"]')

    async def _existing(self, element_id: int) -> Any:
        if self.known_ids is not None and element_id not in self.known_ids:
            raise InvalidAction(f"no element [{element_id}] on this page; use an id from the latest page text")
        return self._element(element_id).first

    async def goto(self, url: str) -> None:
        target = resolve_url(url, self.page.url, self.allowed_origins, self.allowed_paths)
        await self.page.goto(target, wait_until="domcontentloaded", timeout=max(self.timeout, MIN_NAVIGATION_MS))

    async def execute(self, call: Call, observe: bool = False) -> str | None:
        """Run one non-terminal call; returns an error message for the agent, or None. ``observe``:
        the next thing the caller does is to take an observation (its status and snapshot may then
        be read in the action's closing round trip)."""
        self.check_alive()
        before = self.navigations, self.cancelled
        self._not_actionable = None
        self._ahead, self._read_ahead = None, observe
        try:
            await self._run(call)
        except InvalidAction as exc:
            return exc.message
        except PlaywrightError as exc:
            self.check_alive()
            if not (isinstance(exc, PlaywrightTimeoutError) and self.navigations > before[0]):
                first = exc.message.splitlines()[0] if exc.message else type(exc).__name__
                why = f" ({self._not_actionable})" if self._not_actionable else ""
                return f"{call.name} failed: {first}{why}"
            # The action went through and led to a new page; only Playwright's post-action wait ran
            # out (seen on a saturated machine). Wait for that page like after any navigation.
            await self._settle(before)
        finally:
            self._read_ahead = False
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

    def _inside_viewport(self, name: str, x: float, y: float) -> tuple[float, float]:
        size = self.page.viewport_size or {"width": 1 << 30, "height": 1 << 30}
        if not (0 <= x < size["width"] and 0 <= y < size["height"]):
            raise InvalidAction(
                f"{name}(): the point ({x:g}, {y:g}) is outside the viewport "
                f"({size['width']}x{size['height']} CSS pixels)"
            )
        return x, y

    async def _point(self, name: str, element_id: int) -> tuple[float, float]:
        """A visible point of the element, for mouse actions that need no actionability wait (drag ends)."""
        ready = await self._prepare(element_id, "point")
        if "point" not in ready:
            raise InvalidAction(f"{name} failed: element [{element_id}] cannot be reached ({ready['fallback']})")
        return tuple(ready["point"])  # type: ignore[return-value]

    async def _mouse_click(self, x: float, y: float, args: dict[str, Any], moved: bool = False) -> None:
        """A click at (x, y) as Playwright's ``mouse.click`` sends it (move, then down/up per click),
        without the move when the mouse is already there."""
        held, mouse = args.get("modifiers", []), self.page.mouse
        button, count = args.get("button", "left"), args.get("count", 1)
        for key in held:
            await self.page.keyboard.down(key)
        try:
            if not moved:
                await mouse.move(x, y)
            for n in range(1, count + 1):
                await mouse.down(button=button, click_count=n)
                await mouse.up(button=button, click_count=n)
        finally:
            for key in reversed(held):
                await self.page.keyboard.up(key)

    # Element actions take the one-round-trip path (element.js, then real mouse or keyboard events)
    # and use Playwright's locator, which waits up to the timeout for the element to become
    # actionable, only when it is not actionable at once: the same checks, without installing
    # Playwright's selector engine in every new document.
    async def _pointer(self, call: Call) -> None:
        ready = await self._prepare(call.args["id"], call.name)
        if "point" in ready:
            x, y = ready["point"]
            if call.name == "click" and not ready.get("hover") and not call.args.get("modifiers"):
                # One message to the driver for the move, the presses and the releases.
                await self.page.mouse.click(
                    x, y, button=call.args.get("button", "left"), click_count=call.args.get("count", 1)
                )
                return
            await self.page.mouse.move(x, y)
            if call.name == "click":
                if ready.get("hover"):
                    # Hover styles can change the element under the mouse (social-media's icons swap their
                    # image on :hover): press only once the point reaches the element again (bounded).
                    await self.page.evaluate(ELEMENT_JS, {"id": int(call.args["id"]), "op": "reached", "x": x, "y": y})
                await self._mouse_click(x, y, call.args, moved=True)
            return
        el = await self._existing(call.args["id"])
        if call.name == "click":
            await el.click(
                timeout=self.timeout,
                button=call.args.get("button", "left"),
                click_count=call.args.get("count", 1),
                modifiers=call.args.get("modifiers") or None,
            )
        else:
            await el.hover(timeout=self.timeout)

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

    async def _select(self, element_id: int, option: str | list[str]) -> None:
        if "done" in await self._prepare(element_id, "select", option=option):
            return
        el = await self._existing(element_id)
        try:
            await el.select_option(label=option, timeout=self.timeout)
        except PlaywrightError:
            await el.select_option(value=option, timeout=self.timeout)

    async def _drag(self, a: dict[str, Any]) -> None:
        start = (
            await self._point("drag", a["from_id"])
            if "from_id" in a
            else self._inside_viewport("drag", a["from_x"], a["from_y"])
        )
        end = (
            await self._point("drag", a["to_id"])
            if "to_id" in a
            else self._inside_viewport("drag", a["to_x"], a["to_y"])
        )
        path = [self._inside_viewport("drag", x, y) for x, y in a.get("via", [])] + [end]
        await self._trace(start, path, a.get("steps", 8))

    async def _trace(self, start: tuple[float, float], path: list[tuple[float, float]], steps: int) -> None:
        """Press at ``start``, move through ``path`` with ``steps`` mouse moves per segment, release at its end.
        Drag libraries (jQuery UI, d3.drag, HTML5 drag and drop) need the moves in between."""
        mouse = self.page.mouse
        await mouse.move(*start)
        await mouse.down()
        try:
            for x, y in path:
                await mouse.move(x, y, steps=steps)
        finally:
            await mouse.up()

    async def _scroll(self, a: dict[str, Any]) -> None:
        dx, dy = {"up": (0, -1), "down": (0, 1), "left": (-1, 0), "right": (1, 0)}[a["direction"]]
        if "id" in a:
            await self._prepare(a["id"], "scroll", dx=dx, dy=dy, pixels=a.get("pixels"))
        elif "x" in a:
            x, y = self._inside_viewport("scroll", a["x"], a["y"])
            size = self.page.viewport_size or {"width": 800, "height": 600}
            pixels = a.get("pixels") or 0.8 * (size["width"] if dx else size["height"])
            await self.page.mouse.move(x, y)
            await self.page.mouse.wheel(dx * pixels, dy * pixels)
        else:
            await self.page.evaluate(PAGE_SCROLL_JS, [dx, dy, a.get("pixels")])

    async def _wait(self, a: dict[str, Any], navigations_before: int, cancelled_before: int) -> None:
        timeout_ms = min(a.get("timeout_ms", 5000), max(self.timeout, 1))
        if "ms" in a:
            await asyncio.sleep(a["ms"] / 1000)
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_ms / 1000
        if a.get("navigation"):
            await self._until(
                lambda: self.navigations != navigations_before or self.cancelled != cancelled_before, deadline
            )
            if self.navigations == navigations_before:
                raise InvalidAction(f"wait(): no new page within {timeout_ms} ms")
            return
        what = f"text {a['text']!r:.100}" if "text" in a else f"an element matching {a['selector']!r:.100}"
        args = {"text": a.get("text"), "selector": a.get("selector"), "gone": bool(a.get("gone"))}
        while True:
            left_ms = (deadline - loop.time()) * 1000
            if left_ms <= 0:
                break
            try:
                found = await asyncio.wait_for(
                    self.page.evaluate(WAIT_JS, {**args, "timeout": left_ms}), left_ms / 1000 + 2
                )
            except asyncio.TimeoutError:
                break
            except PlaywrightError as exc:
                self.check_alive()
                if "context was destroyed" not in exc.message and "navigat" not in exc.message:
                    raise
                await self._dom_ready()  # the page changed while we waited: look at the new one
                continue
            if isinstance(found, dict) and "error" in found:
                raise InvalidAction(f"wait(): {found['error']}")
            if found:
                return
            break
        raise InvalidAction(
            f"wait(): {what} {'is still there' if a.get('gone') else 'did not appear'} after {timeout_ms} ms"
        )

    async def _until(self, condition: Callable[[], bool], deadline: float) -> bool:
        """Sleep until ``condition()`` holds, woken by navigation and window events (no polling), or the deadline."""
        loop = asyncio.get_running_loop()
        while not condition():
            left = deadline - loop.time()
            if left <= 0:
                return False
            self._navigation_event.clear()
            if condition():
                break
            try:
                await asyncio.wait_for(self._navigation_event.wait(), left)
            except asyncio.TimeoutError:
                return condition()
        return True

    async def _tab(self, call: Call) -> None:
        a = call.args
        if call.name == "new_tab":
            if len(self.pages) >= MAX_TABS:
                raise InvalidAction(f"new_tab(): at most {MAX_TABS} tabs; close one first")
            target = (
                resolve_url(a["url"], self.page.url, self.allowed_origins, self.allowed_paths) if a.get("url") else None
            )
            self._opening = True
            try:
                page = await self.lease.context.new_page()
            finally:
                self._opening = False
            self._adopt(page)
            self.active, self.known_ids = self.pages.index(page), None
            if target:
                await page.goto(target, wait_until="domcontentloaded", timeout=max(self.timeout, MIN_NAVIGATION_MS))
            return
        index = a.get("index", self.active)
        if not 0 <= index < len(self.pages):
            raise InvalidAction(f"{call.name}(): no tab {index}; tabs are 0 to {len(self.pages) - 1}")
        if call.name == "switch_tab":
            self.active, self.known_ids = index, None
            await self.page.bring_to_front()  # a background tab draws no frames
            return
        if len(self.pages) == 1:
            raise InvalidAction("close_tab(): this is the last tab; it cannot be closed")
        page = self.pages.pop(index)
        if index < self.active or self.active == len(self.pages):
            self.active -= 1
        self.known_ids = None
        await page.close()
        await self.page.bring_to_front()

    async def _run(self, call: Call) -> None:
        a, t = call.args, self.timeout
        before = self.navigations, self.cancelled
        if call.name in ("click", "hover"):
            await self._pointer(call)
        elif call.name == "click_at":
            await self._mouse_click(*self._inside_viewport("click_at", a["x"], a["y"]), a)
        elif call.name == "hover_at":
            await self.page.mouse.move(*self._inside_viewport("hover_at", a["x"], a["y"]))
        elif call.name == "drag":
            await self._drag(a)
        elif call.name == "select_text":
            ready = await self._prepare(a["id"], "select_text", text=a.get("text"))
            if "points" not in ready:
                raise InvalidAction(f"select_text failed: {ready['fallback']}")
            start, end = ready["points"]
            await self._trace(tuple(start), [tuple(end)], 5)
        elif call.name == "type":
            await self._type(a["id"], a["text"], bool(a.get("submit")))
        elif call.name == "select":
            await self._select(a["id"], a["option"])
        elif call.name == "press":
            if "id" in a and "done" not in await self._prepare(a["id"], "focus"):
                raise InvalidAction(f"press failed: element [{a['id']}] cannot take the focus ({self._not_actionable})")
            await self.page.keyboard.press(a["key"])
        elif call.name == "scroll":
            await self._scroll(a)
        elif call.name == "wait":
            await self._wait(a, *before)
            return
        elif call.name == "goto":
            await self.goto(a["url"])
        elif call.name in ("back", "forward"):
            go = self.page.go_back if call.name == "back" else self.page.go_forward
            if await go(wait_until="domcontentloaded", timeout=t) is None:
                raise InvalidAction(f"{call.name}(): there is no {'previous' if call.name == 'back' else 'next'} page")
        elif call.name in ("new_tab", "switch_tab", "close_tab"):
            await self._tab(call)
        else:
            raise InvalidAction(f"{call.name}() cannot be run here")
        await self._settle(before)

    async def _settle(self, before: tuple[int, int]) -> None:
        """Wait for a navigation the action started (mouse and keyboard events return before it commits):
        until it commits or is cancelled (events), or the navigation timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(self.timeout, MIN_NAVIGATION_MS) / 1000
        popups = self.popups
        if self.navigations == before[0] and self.cancelled == before[1]:
            try:
                started = await self._after_action()
            except PlaywrightError:
                started = {"navigating": True}  # the old document went away mid-call: the navigation is committing
            came = True
            if started.get("popup"):
                came = await self._until(lambda: self.popups != popups, deadline)
            elif started["navigating"]:
                came = await self._until(lambda: self.navigations != before[0] or self.cancelled != before[1], deadline)
            self.settle_timeouts += not came
        await self._dom_ready(max(self.timeout, MIN_NAVIGATION_MS))

    async def _after_action(self) -> dict[str, Any]:
        """``NAVIGATING_JS``'s answer; when the next observation follows and the document is ready,
        its status and snapshot come in the same round trip (kept in ``_ahead``)."""
        read = self._read_ahead and self._loaded_at == self.navigations
        args = {
            "before": True,
            "snapshot": snapshot_args(self.options, self.read_boxes) if read else None,
            "status": bool(read and self.status_on is not None and self.status_on(self.page.url)),
        }
        state = self._state()
        out: dict[str, Any] = await self.page.evaluate(self._after_js, args)
        if read and "status" in out:
            self._ahead = (state, out["status"], to_snapshot(out["page"]) if "page" in out else None)
        return out["before"]

    async def _enforce_origin(self) -> str | None:
        # A link or form may lead off the task's site: come back (or close the tab) and say so.
        notes = []
        for page in list(self.pages):
            url = page.url
            if url.startswith("about:") or url_allowed(url, self.allowed_origins, self.allowed_paths):
                continue
            if page is self.page or len(self.pages) == 1:
                await page.go_back(wait_until="domcontentloaded", timeout=self.timeout)
            else:
                index = self.pages.index(page)
                self.pages.pop(index)
                if index <= self.active and self.active > 0:
                    self.active -= 1
                await page.close()
            self.left_site = True
            notes.append(f"navigation to {url} was refused: it is outside this task's site")
        return "; ".join(notes) or None

    def take_notes(self) -> list[str]:
        notes, self.dialogs = [f"Browser message: {d}" for d in self.dialogs], []
        return notes
