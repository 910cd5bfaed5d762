"""Flattening a document to ``{path: leaf}`` and building it back (for diffs, env files, spreadsheets)."""

from __future__ import annotations

from typing import Any, Iterator, Mapping

from jpath.errors import PathError
from jpath.paths import Token, format_path, tokenize


def iter_leaves(doc: Any, prefix: tuple[Token, ...] = ()) -> Iterator[tuple[tuple[Token, ...], Any]]:
    """``(tokens, value)`` for every scalar, empty list and empty object, in document order."""
    if isinstance(doc, dict) and doc:
        for key, value in doc.items():
            if not isinstance(key, str):
                raise PathError(f"object keys must be strings, got {key!r}")
            yield from iter_leaves(value, prefix + (key,))
    elif isinstance(doc, list) and doc:
        for index, value in enumerate(doc):
            yield from iter_leaves(value, prefix + (index,))
    elif prefix:
        yield prefix, doc
    else:
        raise PathError("a bare scalar or empty container has no paths")


def flatten(doc: Any) -> dict[str, Any]:
    """``{"a": {"b": [1, 2]}}`` -> ``{"a.b[0]": 1, "a.b[1]": 2}``."""
    return {format_path(tokens): value for tokens, value in iter_leaves(doc)}


def _container_for(token: Token) -> Any:
    return [] if isinstance(token, int) else {}


def _make_room(node: Any, token: Token, path: str) -> None:
    """Check that ``node`` can hold ``token``, padding a list up to the index with None."""
    if isinstance(token, int):
        if not isinstance(node, list) or token < 0:
            raise PathError(f"{path!r} does not fit a list here")
        node.extend([None] * (token + 1 - len(node)))
    elif not isinstance(node, dict):
        raise PathError(f"{path!r} does not fit an object here")


def unflatten(flat: Mapping[str, Any]) -> Any:
    """The inverse of ``flatten``. List indexes must be non-negative; gaps are filled with None."""
    root: Any = None
    for path, value in flat.items():
        tokens = tokenize(path)
        if root is None:
            root = _container_for(tokens[0])
        node = root
        for token, following in zip(tokens, tokens[1:]):
            _make_room(node, token, path)
            if (node[token] if isinstance(token, int) else node.get(token)) is None:
                node[token] = _container_for(following)
            node = node[token]
        _make_room(node, tokens[-1], path)
        node[tokens[-1]] = value
    if root is None:
        raise PathError("nothing to unflatten")
    return root
