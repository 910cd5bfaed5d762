"""Rendering a table of contents and keeping one up to date inside a document."""

from __future__ import annotations

from mdtoc.headings import Heading, headings

START_MARKER = "<!-- toc -->"
END_MARKER = "<!-- tocstop -->"


def _check_levels(min_level: int, max_level: int) -> None:
    if not 1 <= min_level <= max_level <= 6:
        raise ValueError(f"need 1 <= min_level <= max_level <= 6, got {min_level} and {max_level}")


def _link_text(title: str) -> str:
    # Brackets in a title would end the link text early.
    return title.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def toc_entries(markdown: str, min_level: int = 1, max_level: int = 3) -> list[Heading]:
    _check_levels(min_level, max_level)
    return [h for h in headings(markdown) if min_level <= h.level <= max_level]


def render_toc(markdown: str, max_level: int = 3, min_level: int = 1, numbered: bool = False) -> str:
    """A nested Markdown list linking to every heading from ``min_level`` to ``max_level`` ("" if none).

    The shallowest heading level present is not indented; each deeper level adds two spaces (three
    for a numbered list, which CommonMark needs to nest under ``1.``).
    """
    items = toc_entries(markdown, min_level, max_level)
    if not items:
        return ""
    top = min(h.level for h in items)
    indent, bullet = (3, "1.") if numbered else (2, "-")
    lines = [f"{' ' * indent * (h.level - top)}{bullet} [{_link_text(h.title)}](#{h.anchor})" for h in items]
    return "\n".join(lines) + "\n"


def insert_toc(markdown: str, marker: str = START_MARKER, end_marker: str = END_MARKER, **options: int) -> str:
    """Put the TOC after ``marker``, replacing the previous one up to ``end_marker`` if there is one.

    Running it again on its own output changes nothing. A document without ``marker`` is returned
    unchanged. ``options`` go to ``render_toc``.
    """
    start = markdown.find(marker)
    if start == -1:
        return markdown
    after_marker = start + len(marker)
    end = markdown.find(end_marker, after_marker)
    block = f"{marker}\n{render_toc(markdown, **options)}{end_marker}"
    rest = markdown[after_marker:] if end == -1 else markdown[end + len(end_marker):]
    return markdown[:start] + block + rest


def toc_is_current(markdown: str, **options: int) -> bool:
    """Whether the TOC between the markers matches the headings (True when there is no marker)."""
    return insert_toc(markdown, **options) == markdown
