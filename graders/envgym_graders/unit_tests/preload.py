"""Which standard-library modules a solution imports, so the grading harness can import them once.

The harness forks every solution worker from a zygote (harness.py); whatever the zygote imported
before forking is already in each worker. Importing ``typing`` alone costs about as much as starting
the interpreter, and a HumanEval prompt starts with ``from typing import List``. Only standard
modules are ever preloaded, never the solution's own: importing them runs no code of the agent's,
and the list is derived from the solution only as a hint (a wrong list costs time, never changes a
verdict, because each worker still imports what it needs itself).

Example:
    >>> stdlib_imports({"solution.py": b"import math, mypkg\\nfrom collections import Counter\\n"}, "")
    ['collections', 'math']
"""

from __future__ import annotations

import ast
import sys

# Standard modules whose import has side effects (opening a browser, printing, needing a display).
NEVER_PRELOAD = frozenset(
    {"antigravity", "this", "idlelib", "tkinter", "turtle", "turtledemo", "__hello__", "__phello__", "pydoc_data"}
)
MAX_MODULES = 40
MAX_SOURCE_BYTES = 1_000_000  # beyond this the hint is not worth parsing


def _imported_names(source: str) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.partition(".")[0])
    return names


def stdlib_imports(files: dict[str, bytes], prelude: str = "") -> list[str]:
    """Top-level standard modules imported by the ``*.py`` files and the prelude, sorted."""
    found: set[str] = set()
    sources = [prelude] + [data.decode("utf-8", "replace") for path, data in files.items() if path.endswith(".py")]
    budget = MAX_SOURCE_BYTES
    for source in sources:
        budget -= len(source)
        if budget < 0:
            break
        try:
            found |= _imported_names(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue  # the worker will report the broken file itself
    wanted = {name for name in found if name in sys.stdlib_module_names and name not in NEVER_PRELOAD}
    return sorted(wanted)[:MAX_MODULES]
