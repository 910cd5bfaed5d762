"""The compiled form of a template: a tree of nodes, each appending its output to a list of strings."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Protocol

from minitpl.context import Context
from minitpl.expressions import Expression


class Node(Protocol):
    def render(self, context: Context, out: list[str]) -> None: ...


def render_all(nodes: list[Node], context: Context, out: list[str]) -> None:
    for node in nodes:
        node.render(context, out)


@dataclass
class Text:
    text: str

    def render(self, context: Context, out: list[str]) -> None:
        out.append(self.text)


@dataclass
class Output:
    """``{{ expression }}``: None renders as nothing, everything else as ``str()``, HTML-escaped if enabled."""

    expression: Expression

    def render(self, context: Context, out: list[str]) -> None:
        value = self.expression.evaluate(context)
        text = "" if value is None else str(value)
        out.append(html.escape(text) if context.autoescape else text)


@dataclass
class Condition:
    expression: Expression
    negated: bool = False

    def holds(self, context: Context) -> bool:
        return bool(self.expression.evaluate(context, strict=False)) != self.negated


@dataclass
class If:
    """``{% if %}`` with its ``{% elif %}`` branches; an ``{% else %}`` branch has no condition."""

    branches: list[tuple[Condition | None, list[Node]]]

    def render(self, context: Context, out: list[str]) -> None:
        for condition, body in self.branches:
            if condition is None or condition.holds(context):
                render_all(body, context, out)
                return


@dataclass
class For:
    """``{% for target in iterable %}``; the body also sees ``loop.index`` (from 1), ``loop.index0``,
    ``loop.first``, ``loop.last`` and ``loop.length``. ``{% empty %}`` renders when there is nothing."""

    target: str
    iterable: Expression
    body: list[Node]
    empty: list[Node] = field(default_factory=list)

    def render(self, context: Context, out: list[str]) -> None:
        items = list(self.iterable.evaluate(context) or ())
        if not items:
            render_all(self.empty, context, out)
            return
        for index, item in enumerate(items):
            loop = {"index": index + 1, "index0": index, "first": index == 0, "last": index == len(items) - 1,
                    "length": len(items)}
            with context.scope({self.target: item, "loop": loop}):
                render_all(self.body, context, out)
