"""Tools declared once, as methods: the JSON schema a model sees comes from the method's signature and
docstring, and the arguments are checked against the same signature before the method runs.

A tool environment marks its tools with ``@tool`` and answers a turn's calls with ``Toolbox.answer``:
unknown names, arguments that are not a JSON object, missing or mistyped arguments all become an
``Error: ...`` tool message the model can read (the turn counts; nothing raises). A tool marked
``ends_turn`` (``submit``) stops the turn: the calls after it are not run, and the environment reads
what it returned (a grade, say) from ``ToolTurn.value``.

Example:
    >>> import asyncio
    >>> from envgym.protocol import Action
    >>> class Shell:
    ...     @tool
    ...     async def echo(self, text: str, times: int = 1) -> str:
    ...         '''Repeat a text.
    ...
    ...         Args:
    ...             text: what to repeat
    ...             times: how many times
    ...         '''
    ...         return text * times
    >>> box = Toolbox.of(Shell)
    >>> box.schemas()[0].function.parameters["properties"]
    {'text': {'type': 'string', 'description': 'what to repeat'}, 'times': {'type': 'integer', 'description': 'how many times', 'default': 1}}
    >>> calls = Action.call("echo", text="ab", times=2).tool_calls + Action.call("echo", times="2").tool_calls
    >>> [m.content for m in asyncio.run(box.answer(Shell(), calls)).replies]
    ['abab', 'Error: echo: `text` is required; `times` must be an integer']
"""

from __future__ import annotations

import functools
import inspect
import re
import textwrap
import typing
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Iterable, Sequence

from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from envgym.protocol import Message, Tool, ToolCall

_MARK = "__envgym_tool__"
# Arguments are JSON: strict types, so "5" is not an integer and true is not a number. Arguments the
# signature does not name are ignored, as the hand-written tools did before (models add some).
_ARGS_CONFIG = ConfigDict(strict=True, extra="ignore")
_TYPE_WORDS = {
    "string_type": "a string",
    "int_type": "an integer",
    "float_type": "a number",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "an object",
}


@dataclass(frozen=True)
class _Mark:
    name: str | None
    ends_turn: bool


def tool(fn: Callable[..., Any] | None = None, *, name: str | None = None, ends_turn: bool = False) -> Any:
    """Mark a method as a tool, named after the method unless ``name`` says otherwise (two methods
    may offer the same tool name to different suites; see ``Toolbox.of``). A call of an ``ends_turn``
    tool is the turn's last (see ``Toolbox.answer``)."""

    def mark(f: Callable[..., Any]) -> Callable[..., Any]:
        setattr(f, _MARK, _Mark(name, ends_turn))
        return f

    return mark(fn) if fn is not None else mark


@dataclass(frozen=True)
class ToolMethod:
    """One declared tool: its schema, its argument model and the method (unbound) that runs it."""

    attribute: str
    schema: Tool
    arguments: type[BaseModel]
    method: Callable[..., Awaitable[Any]]
    ends_turn: bool = False

    @property
    def name(self) -> str:
        return self.schema.function.name


@dataclass
class ToolTurn:
    """The answers to one turn's calls; ``ended`` is the call of an ``ends_turn`` tool that stopped the
    turn (it has no answer among ``replies``) and ``value`` what that tool returned."""

    replies: list[Message] = field(default_factory=list)
    ended: ToolCall | None = None
    value: Any = None


class Toolbox:
    """The tools a class declares, read once per class (``Toolbox.of``)."""

    def __init__(self, methods: Sequence[ToolMethod]) -> None:
        self.methods = list(methods)
        self._by_name: dict[str, ToolMethod] = {}
        for m in self.methods:
            if m.name in self._by_name:
                raise ValueError(
                    f"two tools named {m.name!r} ({self._by_name[m.name].attribute}, {m.attribute}): "
                    "name the methods a suite offers, Toolbox.of(cls, *methods)"
                )
            self._by_name[m.name] = m

    @classmethod
    def of(cls, owner: type, *attributes: str) -> Toolbox:
        """Every ``@tool`` method of ``owner`` and its bases, in definition order; or, given method
        names, those methods in that order (a suite's own set, where two suites name a tool alike)."""
        declared = {m.attribute: m for m in _declared(owner)}
        missing = [a for a in attributes if a not in declared]
        if missing:
            raise ValueError(f"{owner.__name__} has no @tool method named {', '.join(missing)}")
        return cls([declared[a] for a in attributes] if attributes else list(declared.values()))

    def schemas(self) -> list[Tool]:
        return [m.schema.model_copy(deep=True) for m in self.methods]

    def names(self) -> list[str]:
        return [m.name for m in self.methods]

    async def call(self, owner: object, call: ToolCall) -> tuple[ToolMethod, Any]:
        """Run one call: the tool and what it returned; ``ValueError`` (with a message for the model)
        when it cannot run."""
        name = call.function.name
        found = self._by_name.get(name)
        if found is None:
            raise ValueError(f"unknown tool {name!r}; use one of {', '.join(self.names())}")
        raw = call.function.parsed_arguments()
        try:
            args = found.arguments.model_validate(raw)
        except ValidationError as exc:
            raise ValueError(f"{name}: {_explain(exc)}") from None
        return found, await found.method(owner, **{k: getattr(args, k) for k in type(args).model_fields})

    async def answer(
        self, owner: object, calls: Iterable[ToolCall], *, refuse: Callable[[ToolCall], str | None] | None = None
    ) -> ToolTurn:
        """Answer a turn's calls in order. ``refuse`` may turn a call away before it runs (a spent time
        budget): its text is the call's answer. An ``ends_turn`` tool's call is the last one run."""
        turn = ToolTurn()
        for call in calls:
            text = refuse(call) if refuse is not None else None
            if text is None:
                try:
                    found, out = await self.call(owner, call)
                except ValueError as exc:
                    text = f"Error: {exc}"
                else:
                    if found.ends_turn:
                        turn.ended, turn.value = call, out
                        return turn
                    text = str(out)
            turn.replies.append(Message(role="tool", tool_call_id=call.id, name=call.function.name, content=text))
        return turn


@functools.cache
def _declared(owner: type) -> tuple[ToolMethod, ...]:
    methods: list[ToolMethod] = []
    seen: set[str] = set()
    for klass in reversed(owner.__mro__):
        for attribute, value in vars(klass).items():
            mark = getattr(value, _MARK, None)
            if isinstance(mark, _Mark) and attribute not in seen:
                seen.add(attribute)
                # A subclass overriding a tool keeps its place but runs (and is described by) its own method.
                method = getattr(owner, attribute)
                methods.append(_describe(attribute, method, mark.name or attribute, mark.ends_turn))
    return tuple(methods)


def _describe(attribute: str, fn: Callable[..., Any], name: str, ends_turn: bool) -> ToolMethod:
    summary, arg_docs = _read_docstring(inspect.getdoc(fn) or "")
    hints = typing.get_type_hints(fn, include_extras=True)
    fields: dict[str, Any] = {}
    for param in list(inspect.signature(fn).parameters.values())[1:]:  # the first is self
        if param.kind not in (param.POSITIONAL_OR_KEYWORD, param.KEYWORD_ONLY):
            raise TypeError(f"tool {name!r}: *args/**kwargs cannot be described to a model ({param.name})")
        annotation = hints.get(param.name, Any)
        default = ... if param.default is param.empty else param.default
        fields[param.name] = (annotation, default)
    model = create_model(f"{name}_arguments", __config__=_ARGS_CONFIG, **fields)
    properties: dict[str, Any] = {}
    for key, prop in model.model_json_schema().get("properties", {}).items():
        prop = _plain(prop)
        if key in arg_docs and "description" not in prop:
            prop["description"] = arg_docs[key]
        # The order a reader expects: what it is, what it means, then its bounds and default.
        order = ("type", "enum", "items", "description")
        properties[key] = {**{k: prop[k] for k in order if k in prop}, **prop}
    required = [key for key, (_, default) in fields.items() if default is ...]
    return ToolMethod(attribute, Tool.define(name, summary, properties, required), model, fn, ends_turn)


def _plain(prop: dict[str, Any]) -> dict[str, Any]:
    """A property as models read it: no pydantic titles, and ``X | None = None`` shown as an optional X."""
    prop = {k: v for k, v in prop.items() if k != "title"}
    variants = prop.pop("anyOf", None)
    if variants is not None:
        kept = [v for v in variants if v != {"type": "null"}]
        if len(kept) == 1:
            prop = {**_plain(kept[0]), **prop}
        else:
            prop["anyOf"] = [_plain(v) for v in kept]
        if prop.get("default", 0) is None:
            del prop["default"]
    if isinstance(prop.get("items"), dict):
        prop["items"] = _plain(prop["items"])
    return prop


_ARG_LINE = re.compile(r"^(\w+)\s*(?:\([^)]*\))?:\s*(.*)$")


def _read_docstring(doc: str) -> tuple[str, dict[str, str]]:
    """The description (everything before ``Args:``, lines joined) and each argument's text."""
    head, _, args_block = doc.partition("\nArgs:\n")
    summary = " ".join(line.strip() for line in head.strip().splitlines() if line.strip())
    described: dict[str, str] = {}
    current: str | None = None
    for line in textwrap.dedent(args_block).splitlines():
        if not line.strip():
            current = None
            continue
        match = _ARG_LINE.match(line) if not line[:1].isspace() else None
        if match:
            current = match.group(1)
            described[current] = match.group(2).strip()
        elif current is not None:
            described[current] = f"{described[current]} {line.strip()}".strip()
    return summary, described


def _explain(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(p) for p in error["loc"]) or "arguments"
        kind = error["type"]
        if kind == "missing":
            parts.append(f"`{where}` is required")
        elif kind in _TYPE_WORDS:
            parts.append(f"`{where}` must be {_TYPE_WORDS[kind]}")
        else:
            parts.append(f"`{where}`: {error['msg'].lower()}")
    return "; ".join(parts)
