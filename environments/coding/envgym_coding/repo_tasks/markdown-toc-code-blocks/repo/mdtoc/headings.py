"""Finding headings in Markdown text."""

from __future__ import annotations

import re
from dataclasses import dataclass

_ATX = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


@dataclass(frozen=True)
class Heading:
    level: int
    title: str
    anchor: str


def anchor_for(title: str) -> str:
    text = re.sub(r"[^\w\- ]", "", title.strip().lower())
    return text.replace(" ", "-")


def headings(markdown: str) -> list[Heading]:
    found = []
    for line in markdown.splitlines():
        match = _ATX.match(line)
        if match:
            title = match.group(2)
            found.append(Heading(len(match.group(1)), title, anchor_for(title)))
    return found
