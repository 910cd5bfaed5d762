"""uvicorn's httptools protocol with a deadline on the request line and headers.

uvicorn times out idle keep-alive connections but not a client that opens a connection (or starts
a request) and then sends its headers slowly or never: each such connection would be held for
ever. Here a request's line and headers must arrive within ``header_timeout_s`` of the connection
opening (or, on a keep-alive connection, of the next request's first byte; the idle time between
requests is uvicorn's keep-alive timeout); otherwise the connection is closed (a slow or vanished
client costs nothing). The body has its own deadline in ``AccessAndLimitsMiddleware``.

Example:
    >>> cls = with_header_deadline(5.0)
    >>> cls.header_timeout_s
    5.0
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

log = logging.getLogger("envgym_server")


class HeaderDeadlineProtocol(HttpToolsProtocol):
    header_timeout_s: float = 10.0
    _header_timer: asyncio.TimerHandle | None  # set by _arm (connection_made)

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._arm()

    def _arm(self) -> None:
        self._disarm()
        self._header_timer = self.loop.call_later(self.header_timeout_s, self._headers_too_slow)

    def _disarm(self) -> None:
        timer = getattr(self, "_header_timer", None)
        if timer is not None:
            timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            log.info(
                "closing a connection from %s: no complete request headers within %g s",
                self.client,
                self.header_timeout_s,
            )
            self.transport.close()

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self.cycle is not None:  # a later request on a keep-alive connection: its headers get the same deadline
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def handle_websocket_upgrade(self) -> None:
        self._disarm()
        super().handle_websocket_upgrade()


def with_header_deadline(header_timeout_s: float) -> type[HeaderDeadlineProtocol]:
    """The protocol class for ``uvicorn.Config(http=...)`` with this deadline."""
    return type("HeaderDeadlineProtocol", (HeaderDeadlineProtocol,), {"header_timeout_s": header_timeout_s})
