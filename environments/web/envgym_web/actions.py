"""The agent's actions: tool schemas, parsing (tool calls or plain text) and execution.

Every action maps to a fixed Playwright call on an element found by its id from the observation
(``[data-envgym-id="12"]``); agent text is only ever passed as data (text to type, an option label,
a key name, a URL checked against the task's allowed origins), never evaluated as code.

Plain-text actions: the last line of the reply that looks like a call, e.g. ``click(12)``,
``type(5, "red mug", submit=true)``, ``answer("$54.20")``; arguments are literals, read with
``ast.literal_eval``, positional in the order of the tool's parameters.

Example:
    >>> parse_action(Action(content='I will search.\\ntype(4, "mug", submit=True)'))
    [Call(name='type', args={'id': 4, 'text': 'mug', 'submit': True}, call_id=None)]
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

from envgym.errors import InvalidAction
from envgym.protocol import Action, Tool

SCROLL_DIRECTIONS = ("up", "down", "left", "right")
MAX_TEXT = 2000

TOOLS: list[Tool] = [
    Tool.define("click", "Click the element with this id (ids are the [N] numbers in the page text).",
                {"id": {"type": "integer", "description": "element id from the latest observation"}}, ["id"]),
    Tool.define("type", "Replace the text of a text field with `text`; with submit=true, press Enter afterwards.",
                {"id": {"type": "integer"}, "text": {"type": "string", "maxLength": MAX_TEXT},
                 "submit": {"type": "boolean", "default": False}}, ["id", "text"]),
    Tool.define("select", "Choose an option of a drop-down (<select>) by its visible label or value.",
                {"id": {"type": "integer"}, "option": {"type": "string"}}, ["id", "option"]),
    Tool.define("press", "Press a key or chord on the focused element, e.g. Enter, Tab, ArrowDown, Control+a.",
                {"key": {"type": "string", "maxLength": 40}}, ["key"]),
    Tool.define("scroll", "Scroll the page (or the element `id`, if given) by most of a screen.",
                {"direction": {"type": "string", "enum": list(SCROLL_DIRECTIONS)}, "id": {"type": "integer"}}, ["direction"]),
    Tool.define("hover", "Move the mouse over the element with this id.", {"id": {"type": "integer"}}, ["id"]),
    Tool.define("goto", "Open a URL (absolute, or relative to the current page). Only the task's own site is allowed.",
                {"url": {"type": "string", "maxLength": 2000}}, ["url"]),
    Tool.define("back", "Go back to the previous page."),
    Tool.define("answer", "Give your final answer to a question in the goal; ends the episode.",
                {"text": {"type": "string", "maxLength": MAX_TEXT}}, ["text"]),
    Tool.define("done", "Declare the task finished; ends the episode and grades the result."),
]
PARAMS: dict[str, list[str]] = {t.function.name: list(t.function.parameters["properties"]) for t in TOOLS}
REQUIRED: dict[str, list[str]] = {t.function.name: list(t.function.parameters.get("required", [])) for t in TOOLS}
TERMINAL = frozenset({"answer", "done"})
TEXT_CALL = re.compile(r"^\s*`*\s*([a-z_]+)\s*\((.*)\)\s*`*\s*$")


@dataclass
class Call:
    name: str
    args: dict[str, Any]
    call_id: str | None = None


def _check(name: str, args: dict[str, Any]) -> dict[str, Any]:
    if name not in PARAMS:
        raise InvalidAction(f"unknown action {name!r}; available: {', '.join(PARAMS)}")
    unknown = set(args) - set(PARAMS[name])
    if unknown:
        raise InvalidAction(f"{name}() takes no argument {', '.join(sorted(unknown))}; parameters: {', '.join(PARAMS[name]) or 'none'}")
    missing = [p for p in REQUIRED[name] if p not in args]
    if missing:
        raise InvalidAction(f"{name}() needs {', '.join(missing)}")
    out = dict(args)
    if "id" in out:
        value = out["id"]
        if isinstance(value, list) and len(value) == 1:
            value = value[0]  # click([12]): the id as it is printed in the page text
        if isinstance(value, str) and value.strip().lstrip("[").rstrip("]").isdigit():
            value = int(value.strip().lstrip("[").rstrip("]"))
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise InvalidAction(f"{name}(): id must be a non-negative integer from the page text, got {out['id']!r}")
        out["id"] = value
    for key in ("text", "option", "key", "url"):
        if key in out:
            if not isinstance(out[key], (str, int, float)) or isinstance(out[key], bool):
                raise InvalidAction(f"{name}(): {key} must be a string")
            out[key] = str(out[key])
            if len(out[key]) > MAX_TEXT:
                raise InvalidAction(f"{name}(): {key} is longer than {MAX_TEXT} characters")
    if "submit" in out and not isinstance(out["submit"], bool):
        raise InvalidAction("type(): submit must be true or false")
    if name == "scroll" and out.get("direction") not in SCROLL_DIRECTIONS:
        raise InvalidAction(f"scroll(): direction must be one of {', '.join(SCROLL_DIRECTIONS)}")
    if name == "press" and not (0 < len(out["key"]) <= 40):
        raise InvalidAction("press(): key must be 1 to 40 characters, e.g. Enter")
    return out


def _parse_text(text: str) -> Call:
    for line in reversed([ln for ln in text.strip().splitlines() if ln.strip()]):
        m = TEXT_CALL.match(line)
        if not m or m.group(1) not in PARAMS:
            continue
        name = m.group(1)
        try:
            node = ast.parse(f"f({m.group(2)})", mode="eval").body
            assert isinstance(node, ast.Call)
            positional = [ast.literal_eval(a) for a in node.args]
            keywords = {k.arg: ast.literal_eval(k.value) for k in node.keywords if k.arg}
        except (SyntaxError, ValueError, AssertionError) as exc:
            raise InvalidAction(f"could not read the arguments of {name}(...): {exc}; use literals like click(12) or type(3, \"text\")") from None
        if len(positional) > len(PARAMS[name]):
            raise InvalidAction(f"{name}() takes at most {len(PARAMS[name])} arguments")
        args = dict(zip(PARAMS[name], positional))
        args.update({k: (v.lower() == "true" if isinstance(v, str) and k == "submit" and v.lower() in ("true", "false") else v)
                     for k, v in keywords.items()})
        return Call(name, _check(name, args))
    raise InvalidAction("no action found: call a tool, or end your reply with one line such as click(12), "
                        "type(3, \"text\", submit=True), select(5, \"Large\"), press(\"Enter\"), scroll(\"down\"), "
                        "goto(\"/cart\"), back(), answer(\"...\") or done()")


def parse_action(action: Action) -> list[Call]:
    """The calls an action asks for, validated; raises ``InvalidAction`` (answered as an error observation)."""
    if action.tool_calls:
        calls = []
        for tc in action.tool_calls:
            try:
                args = tc.function.parsed_arguments()
            except ValueError as exc:
                raise InvalidAction(str(exc)) from None
            # JSON schema allows omitted optional args; drop explicit nulls too.
            args = {k: v for k, v in args.items() if v is not None}
            calls.append(Call(tc.function.name, _check(tc.function.name, args), tc.id or None))
        return calls
    return [_parse_text(action.text())]


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def url_allowed(url: str, allowed_origins: list[str], allowed_paths: frozenset[str] | None = None) -> bool:
    """Whether a URL is on the task's site: one of its origins and, when the task names them, one of its paths."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or origin_of(url) not in {o.lower() for o in allowed_origins}:
        return False
    return allowed_paths is None or (parts.path in allowed_paths and "/../" not in parts.path + "/")


def resolve_url(url: str, current: str, allowed_origins: list[str], allowed_paths: frozenset[str] | None = None) -> str:
    """The absolute URL to open, or ``InvalidAction`` when the task does not allow it."""
    target = urljoin(current, url.strip())
    if not url_allowed(target, allowed_origins, allowed_paths):
        where = ", ".join(allowed_origins) if allowed_paths is None else ", ".join(o + p for o in allowed_origins for p in sorted(allowed_paths))
        raise InvalidAction(f"goto refused: {url!r} is outside this task's site (allowed: {where})")
    return target
