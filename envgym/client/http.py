"""One keep-alive HTTP/1.1 connection for the steps of one REST episode.

A step is the client's hot path: an episode sends hundreds of small ``POST .../step`` requests one
after the other. Through httpx, each costs about half a millisecond of the client's CPU (request
and URL objects, httpcore's pool, h11's state machine), ten times what writing the request and
reading a ``Content-Length`` answer costs. ``StepConnection`` does only that, on one connection
per episode; everything else (sessions, grading, TLS, custom transports) stays on httpx.

It speaks the subset of HTTP/1.1 an envgym server answers with: a status line, headers, and a body
of ``Content-Length`` bytes or chunked. A request is never sent twice: a keep-alive connection the
server closed while idle is noticed before the request is written (the client then connects
again); a connection lost after the request was written is ``ServerUnreachable``, as with httpx,
since the server may have applied the step.

Example:
    >>> conn = StepConnection("127.0.0.1", 8000, headers=[(b"authorization", b"Bearer s3cret")], timeout=60)
    >>> conn.request_head(b"/v1/sessions/abc/step", 17)[:36]
    b'POST /v1/sessions/abc/step HTTP/1.1\\r'
"""

from __future__ import annotations

import asyncio
import socket


class ConnectionLost(Exception):
    """The connection failed; ``sent`` says whether the request may have reached the server."""

    def __init__(self, message: str, sent: bool) -> None:
        super().__init__(message)
        self.sent = sent


class StepConnection:
    """``post(path, body)`` -> (status, headers, body) over one keep-alive connection, one request at a time."""

    def __init__(self, host: str, port: int, *, headers: list[tuple[bytes, bytes]], timeout: float) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self._fixed = b"".join(
            b"%s: %s\r\n" % (name, value)
            for name, value in [(b"host", f"{host}:{port}".encode()), *headers, (b"content-type", b"application/json")]
        )
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._lock = asyncio.Lock()

    def request_head(self, path: bytes, length: int) -> bytes:
        return b"POST %s HTTP/1.1\r\n%scontent-length: %d\r\n\r\n" % (path, self._fixed, length)

    async def post(self, path: bytes, body: bytes) -> tuple[int, dict[bytes, bytes], bytes]:
        async with self._lock:
            if self._writer is None or self._reader is None or self._reader.at_eof() or self._writer.is_closing():
                await self._connect()  # first use, or the server closed the idle connection: nothing was sent on it
            assert self._reader is not None and self._writer is not None
            sent = False
            try:
                async with asyncio.timeout(self.timeout):
                    self._writer.write(self.request_head(path, len(body)) + body)
                    sent = True
                    await self._writer.drain()
                    status, headers, content = await self._read_response(self._reader)
            except BaseException as exc:
                self.close()  # whatever state it is in, the connection is not reused
                # TimeoutError (the client's timeout) is an OSError too: it goes up as it is.
                if isinstance(exc, (OSError, asyncio.IncompleteReadError, ValueError)) and not isinstance(
                    exc, TimeoutError
                ):
                    raise ConnectionLost(f"{type(exc).__name__}: {exc}", sent) from exc
                raise
            if headers.get(b"connection", b"").lower() == b"close":
                self.close()
            return status, headers, content

    async def _connect(self) -> None:
        self.close()
        try:
            async with asyncio.timeout(min(self.timeout, 10.0)):
                self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        except TimeoutError as exc:
            raise ConnectionLost(f"no connection within {min(self.timeout, 10.0):g} s", sent=False) from exc
        except OSError as exc:
            raise ConnectionLost(f"{type(exc).__name__}: {exc}", sent=False) from exc
        sock = self._writer.get_extra_info("socket")
        if sock is not None:  # the request goes out in one write; no delayed-ACK wait for a second segment
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    @staticmethod
    async def _read_response(reader: asyncio.StreamReader) -> tuple[int, dict[bytes, bytes], bytes]:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head[:-4].split(b"\r\n")
        parts = lines[0].split(b" ", 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
            raise ValueError(f"not an HTTP/1.x answer: {lines[0][:80]!r}")
        status = int(parts[1])
        headers: dict[bytes, bytes] = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        if b"content-length" in headers:
            return status, headers, await reader.readexactly(int(headers[b"content-length"]))
        if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
            chunks: list[bytes] = []
            while True:
                size = int((await reader.readuntil(b"\r\n"))[:-2].split(b";", 1)[0], 16)
                if size == 0:
                    await reader.readuntil(b"\r\n")  # no trailers from an envgym server: the final CRLF
                    return status, headers, b"".join(chunks)
                chunks.append(await reader.readexactly(size))
                await reader.readexactly(2)
        raise ValueError("an answer with neither Content-Length nor chunked encoding")

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None
