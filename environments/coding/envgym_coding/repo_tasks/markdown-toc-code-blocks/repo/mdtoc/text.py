"""Heading text: the plain words a reader sees, and GitHub-style anchors made from them."""

from __future__ import annotations

import re

_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_REFERENCE_LINK = re.compile(r"\[([^\]]*)\]\[[^\]]*\]")
_HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_STAR_EMPHASIS = re.compile(r"(\*\*|\*|~~)(?=\S)(.+?)(?<=\S)\1")
# Underscores inside a word (snake_case) are not emphasis, so they must be delimited by non-word characters.
_UNDERSCORE_EMPHASIS = re.compile(r"(?<!\w)(__|_)(?=\S)(.+?)(?<=\S)\1(?!\w)")
_NOT_IN_ANCHOR = re.compile(r"[^\w\- ]")


def _strip_markup(text: str) -> str:
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    text = _REFERENCE_LINK.sub(r"\1", text)
    text = _HTML_TAG.sub("", text)
    previous = None
    while previous != text:  # nested emphasis such as ***both*** needs more than one pass
        previous = text
        text = _UNDERSCORE_EMPHASIS.sub(r"\2", _STAR_EMPHASIS.sub(r"\2", text))
    return text


def plain_text(inline: str) -> str:
    """``"Using `run` with **care**"`` -> ``"Using run with care"``.

    Code spans keep their content verbatim (``__init__`` stays as it is); links and images keep
    their text; emphasis markers and HTML tags are dropped.
    """
    pieces: list[str] = []
    position = 0
    for match in _CODE_SPAN.finditer(inline):
        pieces.append(_strip_markup(inline[position:match.start()]))
        pieces.append(match.group(2).strip())
        position = match.end()
    pieces.append(_strip_markup(inline[position:]))
    return " ".join("".join(pieces).split())


def without_code_spans(inline: str) -> str:
    """``inline`` with every code span removed (what looks like a link inside one is not a link)."""
    return _CODE_SPAN.sub("", inline)


def anchor_for(title: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped (``-`` and ``_`` kept), spaces to hyphens."""
    text = _NOT_IN_ANCHOR.sub("", title.strip().lower())
    return text.replace(" ", "-")
