"""Tokenizing dotted JSON paths like ``a.b[2].c`` and writing them back.

Grammar: a path is a key followed by any number of ``.key``, ``[index]`` or ``["quoted key"]``
steps. A key is an identifier (letters, digits, ``_`` and ``-``, not starting with a digit or
``-``); any other key is written as a JSON string in brackets. An index is an integer.
"""

from __future__ import annotations

import json
import re
from typing import Iterable

from jpath.errors import PathError

Token = str | int

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_STRING = json.JSONDecoder()


def _quoted_key(path: str, start: int) -> tuple[str, int]:
    """Decode the ``["..."]`` step at ``path[start]``; returns the key and the index after ``]``."""
    try:
        key, end = _STRING.raw_decode(path, start + 1)
    except json.JSONDecodeError:
        raise PathError(f"bad quoted key at position {start} in {path!r}") from None
    if not isinstance(key, str) or not path.startswith("]", end):
        raise PathError(f"bad quoted key at position {start} in {path!r}")
    return key, end + 1


def tokenize(path: str) -> list[Token]:
    """``"a.b[2].c"`` -> ``["a", "b", 2, "c"]``; ``'a["x y"]'`` -> ``["a", "x y"]``."""
    if not isinstance(path, str):
        raise TypeError(f"path must be a str, got {type(path).__name__}")
    tokens: list[Token] = []
    i = 0
    while i < len(path):
        char = path[i]
        if char == ".":
            if i == 0 or i == len(path) - 1:
                raise PathError(f"misplaced dot in {path!r}")
            if not _KEY.match(path, i + 1):
                raise PathError(f"a dot must be followed by a key at position {i} in {path!r}")
            i += 1
            continue
        if path.startswith('["', i):
            key, i = _quoted_key(path, i)
            tokens.append(key)
            continue
        if char == "[":
            end = path.find("]", i)
            if end != i + 2 or not path[i + 1].isdigit():
                raise PathError(f"bad index in {path!r}")
            tokens.append(int(path[i + 1]))
            i = end + 1
            continue
        if tokens and path[i - 1] != ".":
            raise PathError(f"missing dot before position {i} in {path!r}")
        match = _KEY.match(path, i)
        if not match:
            raise PathError(f"unexpected {char!r} at position {i} in {path!r}")
        tokens.append(match.group(0))
        i = match.end()
    if not tokens:
        raise PathError("empty path")
    return tokens


def format_path(tokens: Iterable[Token]) -> str:
    """The inverse of ``tokenize``: ``["a", 0, "x y"]`` -> ``'a[0]["x y"]'``."""
    parts: list[str] = []
    for token in tokens:
        if isinstance(token, bool) or not isinstance(token, (str, int)):
            raise PathError(f"a path step must be a str or an int, got {token!r}")
        if isinstance(token, int):
            parts.append(f"[{token}]")
        elif _KEY.fullmatch(token):
            parts.append(f".{token}" if parts else token)
        else:
            parts.append(f"[{json.dumps(token, ensure_ascii=False)}]")
    if not parts:
        raise PathError("empty path")
    return "".join(parts)


def parent(path: str) -> str | None:
    """The path one step up (``"a.b[2]"`` -> ``"a.b"``), or None for a single step."""
    tokens = tokenize(path)
    return format_path(tokens[:-1]) if len(tokens) > 1 else None


def join(path: str, *steps: Token) -> str:
    """``join("a.b", 2, "c")`` -> ``"a.b[2].c"``."""
    return format_path([*tokenize(path), *steps])
