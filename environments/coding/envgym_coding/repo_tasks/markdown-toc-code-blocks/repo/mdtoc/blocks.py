"""Which lines of a Markdown document are prose that may hold headings and links."""

from __future__ import annotations

from typing import Iterator

_FRONT_MATTER_OPEN = "---"
_FRONT_MATTER_CLOSE = ("---", "...")


def _front_matter_end(lines: list[str]) -> int:
    """Index of the first line after a YAML front matter block at the very top (0 if there is none)."""
    if lines and lines[0].strip() == _FRONT_MATTER_OPEN:
        for index in range(1, len(lines)):
            if lines[index].strip() in _FRONT_MATTER_CLOSE:
                return index + 1
    return 0


def text_lines(markdown: str) -> Iterator[tuple[int, str]]:
    """``(line number, line)`` for the lines that are Markdown text, numbered from 1.

    Front matter is metadata, not text: its ``# comments`` are not headings.
    """
    lines = markdown.splitlines()
    for index in range(_front_matter_end(lines), len(lines)):
        yield index + 1, lines[index]
