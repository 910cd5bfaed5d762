"""Writing settings back as INI text, and describing a schema for documentation."""

from __future__ import annotations

from typing import Any, Iterable

from confload.env import env_name
from confload.schema import Option, sections


def format_value(value: Any) -> str:
    """The INI spelling of a value, which :func:`confload.load` reads back to the same value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def dumps(config: dict[str, dict[str, Any]], schema: Iterable[Option]) -> str:
    """INI text for ``config``, sections and keys in schema order; unset (None) values are left out."""
    options = list(schema)
    chunks = []
    for section in sections(options):
        values = config.get(section, {})
        lines = [f"{o.key} = {format_value(values[o.key])}" for o in options
                 if o.section == section and values.get(o.key) is not None]
        if lines:
            chunks.append(f"[{section}]\n" + "\n".join(lines) + "\n")
    return "\n".join(chunks)


def describe(schema: Iterable[Option], prefix: str = "APP") -> str:
    """A plain-text table of the options: name, type, default and the variable that overrides it."""
    rows = [("option", "type", "default", "environment", "help")]
    for option in schema:
        default = "(required)" if option.required else format_value(option.default) if option.default is not None else ""
        rows.append((option.name, option.type.__name__, default, env_name(option, prefix), option.help))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[-1]
                     for row in rows).rstrip() + "\n"
