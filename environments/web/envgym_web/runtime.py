"""The per-process web runtime: one event-loop thread that owns Playwright, the browser pools and
the local sites (MiniWoB++ static files, the shop application).

Playwright objects belong to the loop that created them, and hosts run episodes on many loops (the
server's, a sync facade's private loop, a test's). Keeping every browser call on one dedicated
thread lets all of them share the same long-lived browsers; an episode's coroutine is shipped to
that thread with ``run()``. Cancelling the caller cancels the work there too.

Faults heal: when the Playwright driver process dies (killed, OOM), its browsers die with it; the
runtime notices (the driver's pid, ``processes.py``) at the next reset or health check, forgets the
old pools (the episodes that used them end as ``env_error``) and starts a new driver. At the first
start, browsers that a killed envgym process left behind (their driver gone) are ended.

Example:
    >>> rt = WebRuntime.get()                          # doctest: +SKIP
    >>> sites = await rt.run(rt.sites())               # doctest: +SKIP
    >>> sites.miniwob_origin                           # doctest: +SKIP
    'http://127.0.0.1:40123'
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import socket
import threading
from dataclasses import dataclass
from typing import Any, Coroutine, Mapping, TypeVar

from envgym.kernel.settings import read_settings
from envgym.kernel.sync import LoopThread
from envgym_web import processes
from envgym_web.browser import BrowserPool, PoolConfig
from envgym_web.chromium import find_chromium
from envgym_web.errors import BrowserUnavailable
from envgym_web.settings import WebSettings

T = TypeVar("T")
log = logging.getLogger("envgym_web")


@dataclass
class Sites:
    miniwob_origin: str
    shop_origin: str
    shop_store: Any  # envgym_web.shop.store.ShopStore
    tracker_origin: str
    tracker_store: Any  # envgym_web.tracker.store.TrackerStore


class _Server:
    """A uvicorn server on an already-bound loopback socket (ephemeral port), on the runtime loop."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", timeout_keep_alive=30)
        self.server = uvicorn.Server(config)
        self.task: asyncio.Task[None] | None = None

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self.server.serve(sockets=[self.sock]))
        while not self.server.started:
            if self.task.done():
                self.task.result()  # raises the start-up error
            await asyncio.sleep(0.005)

    async def stop(self) -> None:
        self.server.should_exit = True
        if self.task is not None:
            try:
                await asyncio.wait_for(self.task, 5)
            except (asyncio.TimeoutError, Exception):  # noqa: BLE001 — shutting down regardless
                self.task.cancel()
        self.sock.close()


class WebRuntime:
    _instance: "WebRuntime | None" = None
    _instance_lock = threading.Lock()

    def __init__(self) -> None:
        self._thread = LoopThread("envgym-web")
        self._playwright: Any = None
        self._pools: dict[PoolConfig, BrowserPool] = {}
        self._sites: Sites | None = None
        self._servers: list[_Server] = []
        self._lock: asyncio.Lock | None = None
        self._holders: set[int] = set()
        self._driver_pid: int | None = None
        self.driver_restarts = 0
        self._swept = False

    @classmethod
    def get(cls) -> "WebRuntime":
        """The process's runtime, started on first use and stopped at exit."""
        with cls._instance_lock:
            if cls._instance is None:
                cls._instance = WebRuntime()
                atexit.register(cls._instance.shutdown)
            return cls._instance

    @classmethod
    def current(cls) -> "WebRuntime | None":
        """The running runtime, or None (never starts one)."""
        with cls._instance_lock:
            return cls._instance

    def hold(self, context: Any) -> None:
        """Keep the runtime up until ``context.aclose()``; the last holder to close shuts it down.

        Contexts that are never closed (the default one, a server's) keep it until the process exits."""
        key = id(context)
        if key in self._holders:
            return

        async def release() -> None:
            self._holders.discard(key)
            if not self._holders:
                await self.ashutdown()

        # A host's per-session contexts share one registry: only the first of them holds the runtime,
        # so a server's holders do not grow with every session it ever ran.
        if context.on_close("envgym_web.runtime", release):
            self._holders.add(key)

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._thread.loop

    async def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Await ``coro`` on the runtime's loop, from any loop."""
        if asyncio.get_running_loop() is self.loop:
            return await coro
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self.loop))

    def _guard(self) -> asyncio.Lock:
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    # ------------------------------------------------------------------ on the runtime loop
    def driver_alive(self) -> bool:
        return self._driver_pid is None or processes.alive(self._driver_pid)

    async def playwright(self) -> Any:
        async with self._guard():
            if self._playwright is not None and not self.driver_alive():
                await self._drop_dead_driver()
            if self._playwright is None:
                from playwright.async_api import async_playwright

                loop = asyncio.get_running_loop()
                if not self._swept:
                    self._swept = True
                    ended = await loop.run_in_executor(None, processes.end_orphaned_browsers)
                    if ended:
                        log.warning(
                            "ended %d browser process(es) left behind by a killed envgym process: %s", len(ended), ended
                        )
                before = await loop.run_in_executor(None, processes.driver_pids)
                self._playwright = await async_playwright().start()
                started = await loop.run_in_executor(None, processes.driver_pids)
                self._driver_pid = min(started - before) if started - before else None
            return self._playwright

    async def _drop_dead_driver(self) -> None:
        """The driver died: its browsers are gone, so are the pools' contexts; start from scratch."""
        log.warning("the Playwright driver (pid %s) died; starting a new one", self._driver_pid)
        for pool in self._pools.values():
            pool.driver_lost()
        self._pools.clear()
        old, self._playwright, self._driver_pid = self._playwright, None, None
        self.driver_restarts += 1
        try:
            await asyncio.wait_for(old.stop(), 5)
        except Exception:  # noqa: BLE001 — the connection is gone; stopping only tidies the client side
            pass

    async def health(self, settings: Mapping[str, Any]) -> str | None:
        """None when a web episode could start now; else why not. Heals a dead driver on the way."""
        try:
            pw = await self.playwright()
            web = read_settings(settings, WebSettings)
            find_chromium(web.chromium_path, pw.chromium.executable_path, web.headless)
        except BrowserUnavailable as exc:
            return exc.message
        except Exception as exc:  # noqa: BLE001 — any failure to start the driver is a reason not to be ready
            return f"the Playwright driver could not start: {type(exc).__name__}: {exc}"
        return None

    async def pool(self, settings: Mapping[str, Any]) -> BrowserPool:
        """The pool for these settings (``WebSettings``: browsers, chromium_path, headless, chromium_args,
        spare_contexts, context_reuses)."""
        pw = await self.playwright()
        web = read_settings(settings, WebSettings)
        config = PoolConfig(
            size=web.browsers,
            executable=find_chromium(web.chromium_path, pw.chromium.executable_path, web.headless),
            headless=web.headless,
            extra_args=tuple(web.chromium_args),
            spares=web.spare_contexts,
            reuses=web.context_reuses,
        )
        async with self._guard():
            if config not in self._pools:
                pid = self._driver_pid
                self._pools[config] = BrowserPool(pw, config, driver_alive=lambda: pid is None or processes.alive(pid))
            return self._pools[config]

    async def sites(self) -> Sites:
        async with self._guard():
            if self._sites is None:
                from envgym_web.miniwob import miniwob_app
                from envgym_web.shop.app import create_app as shop_app
                from envgym_web.shop.store import ShopStore
                from envgym_web.tracker.app import create_app as tracker_app
                from envgym_web.tracker.store import TrackerStore

                shop, tracker = ShopStore(), TrackerStore()
                servers = [_Server(miniwob_app()), _Server(shop_app(shop)), _Server(tracker_app(tracker))]
                for server in servers:
                    await server.start()
                self._servers = servers
                self._sites = Sites(
                    miniwob_origin=servers[0].origin,
                    shop_origin=servers[1].origin,
                    shop_store=shop,
                    tracker_origin=servers[2].origin,
                    tracker_store=tracker,
                )
            return self._sites

    def open_contexts(self) -> int:
        return sum(p.open_contexts() for p in self._pools.values())

    def pools(self) -> list[BrowserPool]:
        return list(self._pools.values())

    async def _aclose(self) -> None:
        for pool in list(self._pools.values()):
            await pool.aclose()
        self._pools.clear()
        for server in self._servers:
            await server.stop()
        self._servers, self._sites = [], None
        if self._playwright is not None:
            try:
                await self._playwright.stop()
            except Exception:  # noqa: BLE001
                pass
            self._playwright = None
            self._driver_pid = None

    async def ashutdown(self) -> None:
        """``shutdown()`` for async callers (not from the runtime's own loop)."""
        with WebRuntime._instance_lock:
            if WebRuntime._instance is self:
                WebRuntime._instance = None
        if self.loop.is_closed():
            return
        try:
            await asyncio.wait_for(self.run(self._aclose()), 20)
        except Exception as exc:  # noqa: BLE001
            log.warning("web runtime shutdown: %s", exc)
        await asyncio.get_running_loop().run_in_executor(None, self._thread.stop)

    def shutdown(self) -> None:
        """Close browsers and servers and stop the thread (safe to call twice; registered at exit)."""
        if self.loop.is_closed():
            return
        try:
            self._thread.run(self._aclose(), timeout=20)
        except Exception as exc:  # noqa: BLE001
            log.warning("web runtime shutdown: %s", exc)
        self._thread.stop()
        with WebRuntime._instance_lock:
            if WebRuntime._instance is self:
                WebRuntime._instance = None


__all__ = ["Sites", "WebRuntime"]
