"""Reading and writing values in nested dicts/lists by path."""

from __future__ import annotations

from typing import Any

from jpath.paths import PathError, tokenize

_MISSING = object()


def _step(node: Any, token: str | int) -> Any:
    if isinstance(token, int):
        if not isinstance(node, list):
            raise PathError(f"cannot index {type(node).__name__} with [{token}]")
        try:
            return node[token]
        except IndexError:
            return _MISSING
    if not isinstance(node, dict):
        raise PathError(f"cannot read key {token!r} from {type(node).__name__}")
    return node.get(token, _MISSING)


def get(doc: Any, path: str, default: Any = None) -> Any:
    node = doc
    for token in tokenize(path):
        node = _step(node, token)
        if node is _MISSING:
            return default
    return node


def exists(doc: Any, path: str) -> bool:
    return get(doc, path, _MISSING) is not _MISSING


def set_value(doc: Any, path: str, value: Any) -> None:
    tokens = tokenize(path)
    node = doc
    for token in tokens[:-1]:
        nxt = _step(node, token)
        if nxt is _MISSING:
            if isinstance(token, int):
                raise PathError(f"index {token} out of range")
            nxt = node[token] = {}
        node = nxt
    last = tokens[-1]
    if isinstance(last, int):
        if not isinstance(node, list):
            raise PathError("cannot index a non-list")
        node[last] = value
    else:
        node[last] = value
