"""Finding headings in Markdown text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mdtoc.blocks import text_lines
from mdtoc.text import anchor_for, plain_text

# Up to three spaces of indentation (four make an indented code block), 1-6 hashes, at least one
# space, the text, and optional closing hashes that must be separated from the text by a space.
_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")


@dataclass(frozen=True)
class Heading:
    level: int
    title: str
    anchor: str
    line: int  # 1-based line number in the document


def headings(markdown: str) -> list[Heading]:
    """Every ATX heading (``## Title``) in document order, with the anchor a link to it uses."""
    found = []
    for number, line in text_lines(markdown):
        match = _ATX.match(line)
        if match:
            title = plain_text(match.group(2))
            if title:
                found.append(Heading(len(match.group(1)), title, anchor_for(title), number))
    return found
