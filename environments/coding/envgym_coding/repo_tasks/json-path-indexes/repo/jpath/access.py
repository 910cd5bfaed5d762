"""Reading and writing values in nested dicts/lists (parsed JSON) by path."""

from __future__ import annotations

from typing import Any

from jpath.errors import PathError, PathNotFound
from jpath.paths import Token, tokenize

_MISSING = object()


def _step(node: Any, token: Token) -> Any:
    """The child of ``node`` named by ``token``, ``_MISSING`` if absent; PathError if the shapes disagree."""
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


def _walk(doc: Any, tokens: list[Token]) -> Any:
    node = doc
    for token in tokens:
        node = _step(node, token)
        if node is _MISSING:
            break
    return node


def get(doc: Any, path: str, default: Any = None) -> Any:
    """The value at ``path``, or ``default`` if nothing is there. Negative indexes count from the end."""
    node = _walk(doc, tokenize(path))
    return default if node is _MISSING else node


def require(doc: Any, path: str) -> Any:
    """Like ``get``, but raises ``PathNotFound`` instead of returning a default."""
    node = _walk(doc, tokenize(path))
    if node is _MISSING:
        raise PathNotFound(path)
    return node


def exists(doc: Any, path: str) -> bool:
    return _walk(doc, tokenize(path)) is not _MISSING


def set_value(doc: Any, path: str, value: Any) -> None:
    """Store ``value`` at ``path``, creating missing objects on the way.

    Lists are never grown implicitly: an index must name an existing element, except that the
    last step may be ``len(list)`` to append.
    """
    tokens = tokenize(path)
    node = doc
    for token in tokens[:-1]:
        nxt = _step(node, token)
        if nxt is _MISSING:
            if isinstance(token, int):
                raise PathError(f"index {token} out of range in {path!r}")
            nxt = node[token] = {}
        node = nxt
    last = tokens[-1]
    if isinstance(last, int):
        if not isinstance(node, list):
            raise PathError(f"cannot index {type(node).__name__} with [{last}] in {path!r}")
        if last == len(node):
            node.append(value)
        elif -len(node) <= last < len(node):
            node[last] = value
        else:
            raise PathError(f"index {last} out of range in {path!r}")
    else:
        if not isinstance(node, dict):
            raise PathError(f"cannot set key {last!r} on {type(node).__name__} in {path!r}")
        node[last] = value


def delete(doc: Any, path: str, missing_ok: bool = False) -> Any:
    """Remove the value at ``path`` and return it (list elements after it shift down)."""
    tokens = tokenize(path)
    container = _walk(doc, tokens[:-1])
    last = tokens[-1]
    if container is not _MISSING and _step(container, last) is not _MISSING:
        return container.pop(last)
    if missing_ok:
        return None
    raise PathNotFound(path)
