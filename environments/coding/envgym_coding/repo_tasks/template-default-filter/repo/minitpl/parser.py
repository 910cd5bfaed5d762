"""Turning tokens into nodes: ``{% if %}``/``{% elif %}``/``{% else %}``/``{% endif %}`` and
``{% for x in xs %}``/``{% empty %}``/``{% endfor %}``, nested to any depth."""

from __future__ import annotations

import re

from minitpl.errors import TemplateSyntaxError
from minitpl.expressions import Expression
from minitpl.lexer import TEXT, VAR, Token
from minitpl.nodes import Condition, For, If, Node, Output, Text

_FOR = re.compile(r"for\s+([A-Za-z_][A-Za-z0-9_]*)\s+in\s+(.+)", re.DOTALL)


def _keyword(token: Token) -> str:
    return token.value.split(None, 1)[0] if token.value else ""


class Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.position = 0

    def parse(self) -> list[Node]:
        nodes, _ = self._block((), None)
        return nodes

    def _block(self, stop: tuple[str, ...], opener: Token | None) -> tuple[list[Node], Token | None]:
        """Nodes up to the first tag whose keyword is in ``stop``; that tag is returned with them (None at the
        end of the template, which only the top level may reach)."""
        nodes: list[Node] = []
        while self.position < len(self.tokens):
            token = self.tokens[self.position]
            self.position += 1
            if token.kind == TEXT:
                nodes.append(Text(token.value))
            elif token.kind == VAR:
                nodes.append(Output(Expression.parse(token.value, token.line)))
            elif _keyword(token) in stop:
                return nodes, token
            elif _keyword(token) == "if":
                nodes.append(self._if(token))
            elif _keyword(token) == "for":
                nodes.append(self._for(token))
            else:
                raise TemplateSyntaxError(f"unexpected tag {{% {token.value} %}}", token.line)
        if opener is not None:
            raise TemplateSyntaxError(f"{{% {opener.value} %}} is never closed by {{% {stop[-1]} %}}", opener.line)
        return nodes, None

    def _condition(self, token: Token) -> Condition:
        parts = token.value.split(None, 1)
        source = parts[1].strip() if len(parts) == 2 else ""
        negated = source.startswith("not ")
        if negated:
            source = source[4:].strip()
        if not source:
            raise TemplateSyntaxError(f"{{% {_keyword(token)} %}} needs a condition", token.line)
        return Condition(Expression.parse(source, token.line), negated)

    def _if(self, opener: Token) -> If:
        branches: list[tuple[Condition | None, list[Node]]] = []
        token = opener
        while True:
            is_else = _keyword(token) == "else"
            condition = None if is_else else self._condition(token)
            body, end = self._block(("endif",) if is_else else ("elif", "else", "endif"), opener)
            branches.append((condition, body))
            if end is None or _keyword(end) == "endif":
                return If(branches)
            token = end

    def _for(self, opener: Token) -> For:
        match = _FOR.fullmatch(opener.value)
        if not match:
            raise TemplateSyntaxError("expected {% for NAME in EXPRESSION %}", opener.line)
        iterable = Expression.parse(match.group(2).strip(), opener.line)
        body, end = self._block(("empty", "endfor"), opener)
        empty: list[Node] = []
        if end is not None and _keyword(end) == "empty":
            empty, _ = self._block(("endfor",), opener)
        return For(match.group(1), iterable, body, empty)
