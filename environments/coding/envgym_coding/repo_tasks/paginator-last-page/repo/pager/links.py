"""Page links for a listing: ``1 2 [3] 4 5 ... 9``."""

from __future__ import annotations

from pager.core import Paginator


def page_links(paginator: Paginator, current: int, window: int = 2) -> list[str]:
    total = paginator.total_pages
    shown = sorted({1, total, *range(max(1, current - window), min(total, current + window) + 1)})
    links: list[str] = []
    previous = 0
    for number in shown:
        if number - previous > 1:
            links.append("...")
        links.append(f"[{number}]" if number == current else str(number))
        previous = number
    return links
