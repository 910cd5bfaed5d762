"""Read tool calls out of raw assistant text, for policies that hand the environment text rather than
structured ``tool_calls`` (token-in/token-out trainers: SkyRL, verl, OpenRLHF, NeMo-RL, envgym's
``tokens`` agent).

An action names its parser (``Action.tool_parser``); the environment then reads the calls out of
``content`` before stepping. Built-in parsers, one per common model family:

* ``hermes`` — Hermes / Qwen 2.5 / Qwen 3: ``<tool_call>{"name": ..., "arguments": {...}}</tool_call>``, repeated;
* ``llama3_json`` — Llama 3.1-3.3: the message is ``{"name": ..., "parameters": {...}}`` (optionally after
  ``<|python_tag|>``; several calls separated by ``;``);
* ``mistral`` — ``[TOOL_CALLS][{"name": ..., "arguments": {...}}, ...]`` and the newer ``[TOOL_CALLS]name[ARGS]{...}``;
* ``json`` — the message (or a fenced ```json block) is one call object or a list of them.

More come from the ``envgym.tool_parsers`` entry-point group (value: a ``ToolParser`` subclass or
instance). ``for_model(name)`` picks a parser from a model's name.

A call that is there but malformed (not JSON, no name, no closing tag because generation was cut
off) raises ``ToolCallError``, an ``InvalidAction``: the environment answers with an observation
that says what was wrong, and the turn counts as the agent's. Parsing is linear in the text's size
(``str.find`` scanning and ``json``; no regular expressions) and refuses texts over
``MAX_TEXT_CHARS`` and more than ``MAX_CALLS`` calls, so untrusted text cannot stall a server.

Example:
    >>> parsed = get_parser("hermes").parse('I will add one. <tool_call>{"name": "increment", "arguments": {"by": 1}}</tool_call>')
    >>> parsed.content, parsed.calls[0].function.name, parsed.calls[0].function.arguments
    ('I will add one.', 'increment', '{"by": 1}')
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any, cast

from envgym.kernel import registry
from envgym.protocol import Action, FunctionCall, ToolCall
from envgym.protocol.errors import InvalidAction, InvalidRequest, UnknownPlugin

__all__ = [
    "ToolParser",
    "ParsedText",
    "ToolCallError",
    "HermesParser",
    "Llama3JsonParser",
    "MistralParser",
    "JsonParser",
    "get_parser",
    "for_model",
    "parse_action",
    "MAX_TEXT_CHARS",
    "MAX_CALLS",
]

MAX_TEXT_CHARS = 256 * 1024
MAX_CALLS = 32
_MAX_JSON_DEPTH = 64


class ToolCallError(InvalidAction):
    """The text holds a tool call that cannot be read. The message says what was wrong (for the model)."""


@dataclass
class ParsedText:
    """What a parser found: the text outside the calls, and the calls in order."""

    content: str
    calls: list[ToolCall] = field(default_factory=list)


def _depth_ok(text: str) -> bool:
    # json's C decoder recurses per nesting level; a bound keeps RecursionError (and its cost) away.
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest <= _MAX_JSON_DEPTH


def _loads(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ToolCallError(f"{what} is not valid JSON ({exc.msg} at character {exc.pos})") from None


def _call(obj: Any, what: str, index: int, args_keys: tuple[str, ...] = ("arguments", "parameters")) -> ToolCall:
    if not isinstance(obj, dict):
        raise ToolCallError(f'{what} must be a JSON object with "name" and "arguments", got {type(obj).__name__}')
    name = obj.get("name")
    if not isinstance(name, str) or not name:
        raise ToolCallError(f'{what} has no "name" (a non-empty string naming the tool)')
    args: Any = next((obj[key] for key in args_keys if key in obj), {})
    if isinstance(args, str):  # some models emit the arguments as a JSON string
        args = _loads(args, f"the arguments of {what}") if args.strip() else {}
    if not isinstance(args, dict):
        raise ToolCallError(f"the arguments of {what} ({name!r}) must be a JSON object, got {type(args).__name__}")
    given_id = obj.get("id")
    call_id = given_id if isinstance(given_id, str) and given_id else f"call_{uuid.uuid4().hex[:12]}_{index}"
    return ToolCall(id=call_id, function=FunctionCall(name=name, arguments=json.dumps(args)))


def _check_count(calls: list[ToolCall]) -> list[ToolCall]:
    if len(calls) > MAX_CALLS:
        raise ToolCallError(f"{len(calls)} tool calls in one message; at most {MAX_CALLS} are read")
    return calls


class ToolParser:
    """Base class: ``parse(text) -> ParsedText`` (raises ``ToolCallError``). ``name`` is the registry name;
    ``needs_special_tokens`` asks the model server not to strip special tokens from the text."""

    name = ""
    needs_special_tokens = False

    def parse(self, text: str) -> ParsedText:
        raise NotImplementedError

    def __call__(self, text: str) -> ParsedText:
        if len(text) > MAX_TEXT_CHARS:
            raise ToolCallError(
                f"the message is {len(text)} characters long; tool calls are read from at most {MAX_TEXT_CHARS}"
            )
        if not _depth_ok(text):
            raise ToolCallError(f"the message nests brackets deeper than {_MAX_JSON_DEPTH} levels")
        return self.parse(text)


class HermesParser(ToolParser):
    """``<tool_call>{json}</tool_call>`` blocks anywhere in the text (Hermes, Qwen 2.5, Qwen 3)."""

    name = "hermes"
    open_tag, close_tag = "<tool_call>", "</tool_call>"

    def parse(self, text: str) -> ParsedText:
        calls: list[ToolCall] = []
        outside: list[str] = []
        pos = 0
        while True:
            start = text.find(self.open_tag, pos)
            if start < 0:
                outside.append(text[pos:])
                break
            outside.append(text[pos:start])
            end = text.find(self.close_tag, start)
            n = len(calls) + 1
            if end < 0:
                raise ToolCallError(f"tool call {n} has no closing {self.close_tag} (the message ended inside it)")
            body = text[start + len(self.open_tag) : end]
            calls.append(_call(_loads(body.strip(), f"tool call {n}"), f"tool call {n}", n - 1))
            _check_count(calls)
            pos = end + len(self.close_tag)
        stray = "".join(outside)
        if self.close_tag in stray:
            raise ToolCallError(f"a {self.close_tag} has no opening {self.open_tag}")
        return ParsedText(content=stray.strip(), calls=calls)


def _json_values(text: str, what: str, separator: str | None = None) -> list[Any]:
    """One or more JSON values back to back (optionally separated by ``separator``), nothing else."""
    decoder = json.JSONDecoder()
    values: list[Any] = []
    pos, n = 0, len(text)
    while True:
        while pos < n and text[pos].isspace():
            pos += 1
        if pos >= n:
            return values
        if values and separator is not None and text.startswith(separator, pos):
            pos += len(separator)
            continue
        try:
            value, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise ToolCallError(f"{what} is not valid JSON ({exc.msg} at character {exc.pos})") from None
        values.append(value)
        if len(values) > MAX_CALLS:
            raise ToolCallError(f"more than {MAX_CALLS} tool calls in one message")


class Llama3JsonParser(ToolParser):
    """Llama 3.1-3.3 JSON tool calling: the whole message is ``{"name": ..., "parameters": {...}}``
    (``arguments`` accepted too), optionally after ``<|python_tag|>``, several separated by ``;``.
    A message that does not start with ``{`` (or the tag) is plain text."""

    name = "llama3_json"
    tag = "<|python_tag|>"

    def parse(self, text: str) -> ParsedText:
        body = text.strip()
        if body.startswith(self.tag):
            body = body[len(self.tag) :].lstrip()
        elif not body.startswith("{"):
            return ParsedText(content=text.strip())
        values = _json_values(body, "the tool call", separator=";")
        return ParsedText(content="", calls=[_call(v, f"tool call {i + 1}", i) for i, v in enumerate(values)])


class MistralParser(ToolParser):
    """``[TOOL_CALLS]`` followed by a JSON list of calls (v3 tokenizers), or by ``name[ARGS]{json}``
    (v11+), repeated. Text before the marker is the content."""

    name = "mistral"
    needs_special_tokens = True
    marker, args_marker = "[TOOL_CALLS]", "[ARGS]"

    def parse(self, text: str) -> ParsedText:
        start = text.find(self.marker)
        if start < 0:
            return ParsedText(content=text.strip())
        content = text[:start].strip()
        rest = text[start:]
        calls: list[ToolCall] = []
        for chunk in rest.split(self.marker)[1:]:
            chunk = chunk.strip().removesuffix("</s>").strip()
            n = len(calls) + 1
            if chunk.startswith("[") or chunk.startswith("{"):
                values = _json_values(chunk, f"tool call {n}")
                items = [x for v in values for x in (v if isinstance(v, list) else [v])]
                calls.extend(_call(v, f"tool call {len(calls) + 1}", len(calls)) for v in items)
            else:
                name, sep, args = chunk.partition(self.args_marker)
                if not sep:
                    raise ToolCallError(f"tool call {n} is neither a JSON list nor name{self.args_marker}{{arguments}}")
                calls.append(
                    _call(
                        {"name": name.strip(), "arguments": _loads(args.strip(), f"the arguments of tool call {n}")},
                        f"tool call {n}",
                        n - 1,
                    )
                )
            _check_count(calls)
        return ParsedText(content=content, calls=calls)


class JsonParser(ToolParser):
    """The message (or its first fenced ```json block) is one call object or a list of them; a
    message that is not JSON-shaped is plain text."""

    name = "json"

    def parse(self, text: str) -> ParsedText:
        body = text.strip()
        fence = body.find("```json")
        if fence >= 0:
            end = body.find("```", fence + 7)
            if end < 0:
                raise ToolCallError("the ```json block has no closing ```")
            content = (body[:fence] + body[end + 3 :]).strip()
            body = body[fence + 7 : end].strip()
        elif body.startswith("{") or body.startswith("["):
            content = ""
        else:
            return ParsedText(content=body)
        values = _json_values(body, "the tool call")
        items = [x for v in values for x in (v if isinstance(v, list) else [v])]
        return ParsedText(
            content=content, calls=_check_count([_call(v, f"tool call {i + 1}", i) for i, v in enumerate(items)])
        )


def get_parser(name: str) -> ToolParser:
    """The parser registered under ``name`` (entry-point group ``envgym.tool_parsers``).

    Example:
        >>> get_parser("json").parse('{"name": "submit"}').calls[0].function.name
        'submit'
    """
    try:
        obj = registry.load("tool_parsers", name)
    except UnknownPlugin as exc:  # the caller named it, not the model: a request error, not the agent's turn
        raise InvalidRequest(
            f"no tool parser {name!r}; installed: {', '.join(exc.details.get('known', []))}", details=exc.details
        ) from None
    parser = obj() if isinstance(obj, type) else obj
    if not isinstance(parser, ToolParser) and not callable(getattr(parser, "parse", None)):
        raise TypeError(f"tool parser plugin {name!r} is neither a ToolParser nor has a parse(text) method")
    return cast(ToolParser, parser)  # a ToolParser, or an object with its parse(text): used the same way


# Each parser's substrings of a model's name, looked for in this order (most specific first).
_FAMILIES = {
    "llama3_json": ("llama-3", "llama3"),
    "mistral": ("mistral", "mixtral", "ministral", "devstral"),
    "hermes": ("qwen", "qwq", "hermes"),
}


def for_model(model: str | None, default: str = "hermes") -> str:
    """A parser name for a model name (``Qwen/Qwen3-8B`` → ``hermes``, ``meta-llama/Llama-3.1-8B-Instruct``
    → ``llama3_json``, ``mistralai/...`` → ``mistral``); ``default`` when the family is not known.

    Example:
        >>> for_model("meta-llama/Llama-3.2-1B-Instruct"), for_model("Qwen/Qwen3-8B")
        ('llama3_json', 'hermes')
    """
    lowered = (model or "").lower()
    return next((parser for parser, needles in _FAMILIES.items() for needle in needles if needle in lowered), default)


def parse_action(action: Action) -> tuple[Action, list[ToolCall]]:
    """The action with the tool calls its ``tool_parser`` reads out of its text (unchanged when it
    names no parser, already has structured calls, or has no text). Raises ``ToolCallError``.

    Example:
        >>> act, calls = parse_action(Action(content='{"name": "submit", "arguments": {}}', tool_parser="json"))
        >>> act.tool_calls[0].function.name, act.content
        ('submit', None)
    """
    if not action.tool_parser or action.tool_calls or not isinstance(action.content, str):
        return action, []
    parsed = get_parser(action.tool_parser)(action.content)
    if not parsed.calls:
        return action, []
    return action.model_copy(update={"tool_calls": parsed.calls, "content": parsed.content or None}), parsed.calls
