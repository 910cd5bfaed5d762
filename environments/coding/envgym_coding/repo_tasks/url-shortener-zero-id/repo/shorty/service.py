"""The shortening service: creates short links, resolves them and counts visits."""

from __future__ import annotations

import time
from typing import Callable

from shorty.codec import decode, encode
from shorty.errors import LinkExpired, UnknownLink
from shorty.storage import Link, MemoryStorage
from shorty.urls import host_of, normalize_url


class Shortener:
    def __init__(self, base_url: str = "https://sho.rt/", storage: MemoryStorage | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        if not base_url.endswith("/"):
            base_url += "/"
        self.base_url = base_url
        self.storage = storage if storage is not None else MemoryStorage()
        self.clock = clock
        self._own_host = frozenset({host_of(base_url)})

    def short_url(self, link: Link) -> str:
        return self.base_url + encode(link.id)

    def shorten(self, url: str, ttl: float | None = None) -> str:
        """The short URL for ``url``; the same live URL always gets the same short URL back.

        With ``ttl`` (seconds) the link stops resolving after that time.
        """
        if ttl is not None and ttl <= 0:
            raise ValueError(f"ttl must be positive, got {ttl}")
        url = normalize_url(url, self._own_host)
        now = self.clock()
        existing = self.storage.find_url(url)
        if existing is not None and not existing.expired(now) and ttl is None:
            return self.short_url(existing)
        link = self.storage.create(url, now, None if ttl is None else now + ttl)
        return self.short_url(link)

    def _code(self, short: str) -> str:
        return short[len(self.base_url):] if short.startswith(self.base_url) else short

    def lookup(self, short: str) -> Link:
        """The live link behind a short URL or bare code, without counting a visit."""
        try:
            link = self.storage.get(decode(self._code(short)))
        except ValueError:
            link = None
        if link is None or link.deleted:
            raise UnknownLink(short)
        if link.expired(self.clock()):
            raise LinkExpired(short)
        return link

    def resolve(self, short: str) -> str:
        """The target URL of a short URL or bare code; counts one visit."""
        link = self.lookup(short)
        link.visits += 1
        self.storage.changed()
        return link.url

    def delete(self, short: str) -> None:
        link = self.lookup(short)
        link.deleted = True
        self.storage.forget_url(link.url)
        self.storage.changed()

    def stats(self) -> dict[str, int]:
        """Visits per code, for every link that was not deleted."""
        return {encode(link.id): link.visits for link in self.storage.links() if not link.deleted}

    def top(self, count: int = 10) -> list[tuple[str, int]]:
        """The most visited codes, most visits first; ties keep the older link first."""
        ranked = sorted(self.stats().items(), key=lambda item: -item[1])
        return ranked[:count]
