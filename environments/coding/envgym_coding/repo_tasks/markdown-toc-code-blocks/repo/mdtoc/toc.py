"""Rendering a table of contents."""

from __future__ import annotations

from mdtoc.headings import Heading, headings


def render_toc(markdown: str, max_level: int = 3) -> str:
    items = [h for h in headings(markdown) if h.level <= max_level]
    if not items:
        return ""
    top = min(h.level for h in items)
    return "\n".join(f"{'  ' * (h.level - top)}- [{h.title}](#{h.anchor})" for h in items) + "\n"


def insert_toc(markdown: str, marker: str = "<!-- toc -->") -> str:
    if marker not in markdown:
        return markdown
    return markdown.replace(marker, marker + "\n" + render_toc(markdown), 1)
