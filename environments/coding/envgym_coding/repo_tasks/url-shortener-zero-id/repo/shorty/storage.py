"""Where links live: in memory, or in a JSON file that is rewritten after every change."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass


@dataclass
class Link:
    id: int
    url: str
    created_at: float
    expires_at: float | None = None
    visits: int = 0
    deleted: bool = False

    def expired(self, now: float) -> bool:
        return self.expires_at is not None and now >= self.expires_at


class MemoryStorage:
    """Links in a list indexed by id; ids are handed out in order, starting at 0."""

    def __init__(self) -> None:
        self._links: list[Link] = []
        self._by_url: dict[str, int] = {}

    def create(self, url: str, created_at: float, expires_at: float | None = None) -> Link:
        link = Link(id=len(self._links), url=url, created_at=created_at, expires_at=expires_at)
        self._links.append(link)
        self._by_url[url] = link.id
        self.changed()
        return link

    def get(self, link_id: int) -> Link | None:
        return self._links[link_id] if 0 <= link_id < len(self._links) else None

    def find_url(self, url: str) -> Link | None:
        link_id = self._by_url.get(url)
        return None if link_id is None else self._links[link_id]

    def forget_url(self, url: str) -> None:
        self._by_url.pop(url, None)

    def links(self) -> list[Link]:
        return list(self._links)

    def changed(self) -> None:
        """Called after a link was created or modified; memory needs nothing, files persist here."""


class JsonFileStorage(MemoryStorage):
    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
        if os.path.exists(path):
            with open(path, encoding="utf-8") as fh:
                for item in json.load(fh):
                    link = Link(**item)
                    self._links.append(link)
                    if not link.deleted:
                        self._by_url[link.url] = link.id

    def changed(self) -> None:
        tmp = self.path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump([asdict(link) for link in self._links], fh, indent=1)
        os.replace(tmp, self.path)
