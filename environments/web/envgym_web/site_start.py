"""Opening a self-hosted application (the shop, the tracker) for an episode: a fresh session in its
store, the session cookie in the episode's browser context, the task's start page loaded and read.

It is a ``PageSetup``, so the browser pool runs it ahead of time on spare pages and a reset only
hands the page over. Every session starts from the same initial state, and the start pages have no
scripts that change them and none depends on the time, so a page opened and read before the reset
is exactly what opening and reading it at the reset would give.

Example:
    >>> setup = site_start(ShopStore(), "envgym_shop", "http://127.0.0.1:4000", "/", SnapshotOptions())  # doctest: +SKIP
    >>> ready = await pool.new_page(NAV_TRACKER_JS, setup, viewport=...)                               # doctest: +SKIP
    >>> ready.ticket.token, ready.ticket.page.title                                                    # doctest: +SKIP
    ('Xy3...', 'Welcome to EnvShop · EnvShop')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playwright.async_api import Page

from envgym_web.browser import Lease, PageSetup
from envgym_web.driver import after_action_js
from envgym_web.observe import PageSnapshot, SnapshotOptions, read_page
from envgym_web.sessions import SessionStore


@dataclass(frozen=True)
class SiteSession:
    token: str  # the session cookie's value: the key of the episode's state in the store
    page: PageSnapshot  # the start page, read once it was loaded


def site_start(store: SessionStore[Any], cookie: str, origin: str, path: str, options: SnapshotOptions) -> PageSetup:
    async def run(lease: Lease, page: Page) -> SiteSession:
        token = store.create()
        try:
            await lease.context.add_cookies([{"name": cookie, "value": token, "url": origin}])
            await page.goto(origin + path, wait_until="domcontentloaded")
            # Through the episode's driver's script (the same text: the renderer compiles it once).
            return SiteSession(token, await read_page(page, options, script=after_action_js(None)))
        except BaseException:
            store.drop(token)
            raise

    def discard(session: SiteSession) -> None:
        store.drop(session.token)

    return PageSetup(key=f"{cookie} {origin}{path} {options}", run=run, discard=discard)
