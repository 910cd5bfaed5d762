"""Page links for a listing: ``1 ... 3 4 [5] 6 7 ... 9``, as labels or as an HTML navigation bar."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Callable

from pager.core import Paginator

GAP = "..."


@dataclass(frozen=True)
class PageLink:
    """One entry of a navigation bar; ``number`` is None for a gap."""

    label: str
    number: int | None
    current: bool = False


def link_items(paginator: Paginator, current: int, window: int = 2) -> list[PageLink]:
    """The first and last pages, ``window`` pages either side of ``current``, and gaps where pages are skipped."""
    if window < 0:
        raise ValueError("window must not be negative")
    total = paginator.total_pages
    current = paginator.validate_number(current)
    shown = sorted({1, total, *range(max(1, current - window), min(total, current + window) + 1)})
    links: list[PageLink] = []
    previous = 0
    for number in shown:
        if number - previous > 1:
            links.append(PageLink(GAP, None))
        links.append(PageLink(str(number), number, number == current))
        previous = number
    return links


def page_links(paginator: Paginator, current: int, window: int = 2) -> list[str]:
    """Labels of ``link_items``; the current page is shown in brackets: ``["1", "...", "4", "[5]", "6"]``."""
    return [f"[{link.label}]" if link.current else link.label for link in link_items(paginator, current, window)]


def render_html(paginator: Paginator, current: int, url_for: Callable[[int], str] = lambda n: f"?page={n}",
                window: int = 2) -> str:
    """A ``<nav>`` bar with previous/next links; the current page and gaps are not links."""
    page = paginator.page(current)
    parts = ['<nav class="pagination">']
    if page.previous_number is not None:
        parts.append(f'<a rel="prev" href="{escape(url_for(page.previous_number))}">&laquo;</a>')
    for link in link_items(paginator, current, window):
        if link.number is None:
            parts.append('<span class="gap">&hellip;</span>')
        elif link.current:
            parts.append(f'<span class="current" aria-current="page">{link.label}</span>')
        else:
            parts.append(f'<a href="{escape(url_for(link.number))}">{link.label}</a>')
    if page.next_number is not None:
        parts.append(f'<a rel="next" href="{escape(url_for(page.next_number))}">&raquo;</a>')
    parts.append("</nav>")
    return "".join(parts)
