"""Plain text out of the HTML the editor produces, and excerpts for listings and feeds."""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Tags whose content is never shown as text.
_INVISIBLE = frozenset({"script", "style", "template"})
# Tags that end a line of text; without a space there, "<p>a</p><p>b</p>" would read "ab".
_BLOCK = frozenset({"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "blockquote", "pre"})
_SPACES = re.compile(r"\s+")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _INVISIBLE:
            self._hidden_depth += 1
        elif tag in _BLOCK:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _INVISIBLE:
            self._hidden_depth = max(0, self._hidden_depth - 1)
        elif tag in _BLOCK:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._hidden_depth:
            self.parts.append(data)


def strip_tags(html: str) -> str:
    """The visible text of an HTML fragment, entities decoded and whitespace collapsed."""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    return _SPACES.sub(" ", "".join(extractor.parts)).strip()


def excerpt(html: str, max_chars: int = 160, ellipsis: str = "…") -> str:
    """At most ``max_chars`` characters of visible text, cut at a word boundary, ``ellipsis`` appended if cut."""
    if max_chars <= len(ellipsis):
        raise ValueError(f"max_chars must be longer than the ellipsis, got {max_chars}")
    text = strip_tags(html)
    if len(text) <= max_chars:
        return text
    room = max_chars - len(ellipsis)
    head = text[:room + 1]
    cut = head.rfind(" ")
    head = head[:cut] if cut > 0 else text[:room]
    return head.rstrip(" ,;:.-") + ellipsis
