"""Finding links to anchors of the same document that no heading provides (e.g. after a rename)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from mdtoc.blocks import text_lines
from mdtoc.headings import headings
from mdtoc.text import without_code_spans

_ANCHOR_LINK = re.compile(r"\[[^\]]*\]\(#([^)\s]*)\)")


@dataclass(frozen=True)
class AnchorLink:
    line: int
    anchor: str


def anchor_links(markdown: str) -> list[AnchorLink]:
    """Every ``[text](#anchor)`` link in the text, with its 1-based line number."""
    found = []
    for number, line in text_lines(markdown):
        for match in _ANCHOR_LINK.finditer(without_code_spans(line)):
            found.append(AnchorLink(number, unquote(match.group(1))))
    return found


def broken_links(markdown: str) -> list[AnchorLink]:
    """Links whose anchor matches no heading of the document."""
    known = {heading.anchor for heading in headings(markdown)}
    return [link for link in anchor_links(markdown) if link.anchor not in known]
