"""Compiling and rendering templates: ``{{ var }}``, ``{{ var.attr|upper|trim }}``, ``{% if %}`` and ``{% for %}``."""

from __future__ import annotations

from typing import Any, Mapping

from minitpl.context import Context
from minitpl.lexer import tokenize
from minitpl.nodes import render_all
from minitpl.parser import Parser


class Template:
    """A compiled template: syntax errors surface here, once; rendering reuses the node tree."""

    def __init__(self, source: str, autoescape: bool = True, name: str = "<string>") -> None:
        self.name = name
        self.autoescape = autoescape
        self._nodes = Parser(tokenize(source)).parse()

    def render(self, context: Mapping[str, Any] | None = None) -> str:
        out: list[str] = []
        render_all(self._nodes, Context(context or {}, self.autoescape), out)
        return "".join(out)


def render(template: str, context: Mapping[str, Any], autoescape: bool = True) -> str:
    """Compile and render in one go, for templates used once."""
    return Template(template, autoescape).render(context)
