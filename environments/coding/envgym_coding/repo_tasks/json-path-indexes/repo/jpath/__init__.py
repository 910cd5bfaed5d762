"""Dotted paths into parsed JSON: ``get(doc, "items[2].name")``, ``set_value``, ``delete``, ``flatten``."""

from jpath.access import delete, exists, get, require, set_value
from jpath.errors import PathError, PathNotFound
from jpath.flat import flatten, iter_leaves, unflatten
from jpath.paths import format_path, join, parent, tokenize

__all__ = ["PathError", "PathNotFound", "delete", "exists", "flatten", "format_path", "get", "iter_leaves", "join",
           "parent", "require", "set_value", "tokenize", "unflatten"]
