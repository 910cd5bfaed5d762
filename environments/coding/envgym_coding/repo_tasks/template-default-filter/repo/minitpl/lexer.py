"""Splitting template text into tokens: text, ``{{ expression }}``, ``{% tag %}``; ``{# comments #}`` vanish."""

from __future__ import annotations

import re
from dataclasses import dataclass

from minitpl.errors import TemplateSyntaxError

TEXT, VAR, TAG = "text", "var", "tag"

_MARKUP = re.compile(r"\{\{(.*?)\}\}|\{%(.*?)%\}|\{#.*?#\}", re.DOTALL)
_OPENERS = ("{{", "{%", "{#")


@dataclass(frozen=True)
class Token:
    kind: str
    value: str  # stripped of the delimiters and of surrounding whitespace, except for text
    line: int


def _text(source: str, line: int) -> Token:
    # An opener left in plain text means its closing delimiter is missing; rendering it verbatim
    # would hide the mistake until someone reads the output.
    for opener in _OPENERS:
        if opener in source:
            where = line + source[:source.index(opener)].count("\n")
            raise TemplateSyntaxError(f"unclosed {opener!r}", where)
    return Token(TEXT, source, line)


def tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    position, line = 0, 1
    for match in _MARKUP.finditer(source):
        start = match.start()
        if start > position:
            tokens.append(_text(source[position:start], line))
            line += source.count("\n", position, start)
        expression, tag = match.group(1), match.group(2)
        if expression is not None:
            if not expression.strip():
                raise TemplateSyntaxError("empty {{ }}", line)
            tokens.append(Token(VAR, expression.strip(), line))
        elif tag is not None:
            tokens.append(Token(TAG, tag.strip(), line))
        line += source.count("\n", start, match.end())
        position = match.end()
    if position < len(source):
        tokens.append(_text(source[position:], line))
    return tokens
