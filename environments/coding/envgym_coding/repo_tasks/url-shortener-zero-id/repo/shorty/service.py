"""The shortening service: an in-memory store of links with visit counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlparse

from shorty.codec import decode, encode


class UnknownLink(KeyError):
    pass


@dataclass
class Link:
    id: int
    url: str
    visits: int = 0


@dataclass
class Shortener:
    base_url: str = "https://sho.rt/"
    _links: list[Link] = field(default_factory=list)
    _by_url: dict[str, int] = field(default_factory=dict)

    def shorten(self, url: str) -> str:
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError(f"not an http(s) URL: {url!r}")
        if url in self._by_url:
            return self.base_url + encode(self._by_url[url])
        link = Link(id=len(self._links), url=url)
        self._links.append(link)
        self._by_url[url] = link.id
        return self.base_url + encode(link.id)

    def resolve(self, short: str) -> str:
        code = short[len(self.base_url):] if short.startswith(self.base_url) else short
        try:
            link = self._links[decode(code)]
        except (ValueError, IndexError):
            raise UnknownLink(short) from None
        link.visits += 1
        return link.url

    def stats(self) -> dict[str, int]:
        return {encode(link.id): link.visits for link in self._links}
