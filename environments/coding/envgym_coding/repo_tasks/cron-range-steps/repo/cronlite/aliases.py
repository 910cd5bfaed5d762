"""The ``@daily``-style shorthands most crons accept in place of five fields."""

from __future__ import annotations

MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}


def expand(expression: str) -> str:
    """The five-field form of ``expression`` (unchanged if it is not a macro)."""
    text = expression.strip()
    if text.startswith("@"):
        try:
            return MACROS[text.lower()]
        except KeyError:
            raise ValueError(f"unknown macro {text!r} (known: {', '.join(sorted(MACROS))})") from None
    return text
