"""Opening EnvShop for an episode: a fresh session in the store, its cookie in the episode's browser
context, and the task's start page loaded.

It is a ``PageSetup``, so the browser pool runs it ahead of time on spare pages and a reset only
reads the page. Every session starts from the same initial state and no page depends on the time,
so a page opened before the reset shows exactly what opening it at the reset would.

Example:
    >>> setup = shop_start(ShopStore(), "http://127.0.0.1:4000", "/")       # doctest: +SKIP
    >>> ready = await pool.new_page(NAV_TRACKER_JS, setup, viewport=...)    # doctest: +SKIP
    >>> ready.ticket                                                       # the session token  # doctest: +SKIP
"""

from __future__ import annotations

from playwright.async_api import Page

from envgym_web.browser import Lease, PageSetup
from envgym_web.shop.store import COOKIE, ShopStore


def shop_start(store: ShopStore, origin: str, path: str) -> PageSetup:
    async def run(lease: Lease, page: Page) -> str:
        token = store.create()
        try:
            await lease.context.add_cookies([{"name": COOKIE, "value": token, "url": origin}])
            await page.goto(origin + path, wait_until="domcontentloaded")
        except BaseException:
            store.drop(token)
            raise
        return token

    return PageSetup(key=f"shop {origin}{path}", run=run, discard=store.drop)
