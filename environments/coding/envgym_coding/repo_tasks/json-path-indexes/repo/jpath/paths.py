"""Tokenizing dotted JSON paths like ``a.b[2].c``."""

from __future__ import annotations

import re


class PathError(ValueError):
    pass


_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def tokenize(path: str) -> list[str | int]:
    """``"a.b[2].c"`` -> ``["a", "b", 2, "c"]``."""
    tokens: list[str | int] = []
    i = 0
    while i < len(path):
        char = path[i]
        if char == ".":
            if i == 0 or i == len(path) - 1:
                raise PathError(f"misplaced dot in {path!r}")
            i += 1
            continue
        if char == "[":
            end = path.find("]", i)
            if end != i + 2 or not path[i + 1].isdigit():
                raise PathError(f"bad index in {path!r}")
            tokens.append(int(path[i + 1]))
            i = end + 1
            continue
        match = _KEY.match(path, i)
        if not match:
            raise PathError(f"unexpected {char!r} in {path!r}")
        tokens.append(match.group(0))
        i = match.end()
    if not tokens:
        raise PathError("empty path")
    return tokens
