"""The agent's actions: tool schemas, parsing (tool calls or plain text) and validation.

Every action maps to a fixed Playwright call on an element found by its id from the observation
(``[data-envgym-id="12"]``) or on a point of the viewport; agent text is only ever passed as data
(text to type, an option label, a key name, a URL checked against the task's allowed origins, a
CSS selector handed to ``querySelector`` as a value), never evaluated as code.

Plain-text actions: the last line of the reply that looks like a call, e.g. ``click(12)``,
``type(5, "red mug", submit=True)``, ``answer("$54.20")``; arguments are literals, read with
``ast.literal_eval``, positional in the order of the tool's parameters. Reading is linear in the
reply's length: a line longer than ``MAX_CALL_LINE`` characters is never a call, and nothing
else is tried on it (one 32,000-space reply used to take 10 s in a backtracking regex).

Example:
    >>> parse_action(Action(content='I will search.\\ntype(4, "mug", submit=True)'))
    [Call(name='type', args={'id': 4, 'text': 'mug', 'submit': True}, call_id=None)]
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

from envgym.protocol import Action, Tool
from envgym.protocol.errors import InvalidAction

SCROLL_DIRECTIONS = ("up", "down", "left", "right")
BUTTONS = ("left", "right", "middle")
MODIFIERS = ("Alt", "Control", "Meta", "Shift", "ControlOrMeta")
MAX_TEXT = 2000
MAX_CALLS = 20  # tool calls in one action
MAX_CALL_LINE = 2 * MAX_TEXT + 200  # a plain-text call line: the longest arguments and some room
MAX_WAIT_MS = 10_000
MAX_VIA = 200  # points of a drag path
MAX_COORD = 100_000.0
# Keys Playwright's keyboard knows by name; single characters are typed as themselves.
KEYS = frozenset(
    {
        "Backquote",
        "Minus",
        "Equal",
        "Backslash",
        "Backspace",
        "Tab",
        "Delete",
        "Escape",
        "ArrowDown",
        "End",
        "Enter",
        "Home",
        "Insert",
        "PageDown",
        "PageUp",
        "ArrowRight",
        "ArrowUp",
        "ArrowLeft",
        "CapsLock",
        "Space",
        "NumLock",
        "ContextMenu",
        "BracketLeft",
        "BracketRight",
        "Semicolon",
        "Quote",
        "Comma",
        "Period",
        "Slash",
        "IntlBackslash",
        *(f"F{i}" for i in range(1, 13)),
        *(f"Digit{i}" for i in range(10)),
        *(f"Key{chr(c)}" for c in range(65, 91)),
        *(f"Numpad{i}" for i in range(10)),
        "NumpadAdd",
        "NumpadSubtract",
        "NumpadMultiply",
        "NumpadDivide",
        "NumpadDecimal",
        "NumpadEnter",
        *MODIFIERS,
    }
)
KEYS_BY_LOWER = {k.lower(): k for k in KEYS} | {
    "esc": "Escape",
    "return": "Enter",
    "ctrl": "Control",
    "del": "Delete",
    "up": "ArrowUp",
    "down": "ArrowDown",
    "left": "ArrowLeft",
    "right": "ArrowRight",
}


@dataclass(frozen=True)
class Param:
    """One tool parameter: its JSON schema and how a value is checked."""

    kind: str  # id | int | number | string | bool | enum | option | strings | points
    description: str
    choices: tuple[str, ...] = ()
    max_len: int = MAX_TEXT
    low: float = 0
    high: float = MAX_COORD
    default: Any = None

    def schema(self) -> dict[str, Any]:
        if self.kind == "id":
            out: dict[str, Any] = {"type": "integer", "minimum": 0}
        elif self.kind == "int":
            out = {"type": "integer", "minimum": int(self.low), "maximum": int(self.high)}
        elif self.kind == "number":
            out = {"type": "number", "minimum": self.low, "maximum": self.high}
        elif self.kind == "string":
            out = {"type": "string", "maxLength": self.max_len}
        elif self.kind == "bool":
            out = {"type": "boolean"}
        elif self.kind == "enum":
            out = {"type": "string", "enum": list(self.choices)}
        elif self.kind == "option":
            out = {
                "anyOf": [
                    {"type": "string", "maxLength": self.max_len},
                    {"type": "array", "items": {"type": "string", "maxLength": self.max_len}, "maxItems": 100},
                ]
            }
        elif self.kind == "strings":
            out = {
                "type": "array",
                "items": {"type": "string", "enum": list(self.choices)},
                "maxItems": len(self.choices),
            }
        else:  # points
            out = {
                "type": "array",
                "maxItems": MAX_VIA,
                "items": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
            }
        out["description"] = self.description
        if self.default is not None:
            out["default"] = self.default
        return out


ID = Param("id", "element id: the [N] number in the page text")
X = Param("number", "x in CSS pixels from the viewport's left edge (the `at=x,y` of the page text)")
Y = Param("number", "y in CSS pixels from the viewport's top edge")
BUTTON = Param("enum", "mouse button", BUTTONS, default="left")
COUNT = Param("int", "clicks: 2 for a double click", low=1, high=3, default=1)
HELD = Param("strings", 'keys held during the click, e.g. ["Control"] to add to a selection', MODIFIERS)

# name -> (description, parameters in positional order, required)
SPECS: dict[str, tuple[str, dict[str, Param], tuple[str, ...]]] = {
    "click": (
        "Click the element with this id (ids are the [N] numbers in the page text).",
        {"id": ID, "button": BUTTON, "count": COUNT, "modifiers": HELD},
        ("id",),
    ),
    "click_at": (
        "Click at a point of the viewport (CSS pixels, the coordinates `at=x,y` in the page text use).",
        {"x": X, "y": Y, "button": BUTTON, "count": COUNT, "modifiers": HELD},
        ("x", "y"),
    ),
    "hover": ("Move the mouse over the element with this id.", {"id": ID}, ("id",)),
    "hover_at": ("Move the mouse to a point of the viewport.", {"x": X, "y": Y}, ("x", "y")),
    "drag": (
        "Press the mouse on an element (from_id) or a point (from_x, from_y), move it through the optional `via` "
        "points to an element (to_id) or a point (to_x, to_y), and release it there.",
        {
            "from_id": ID,
            "to_id": ID,
            "from_x": X,
            "from_y": Y,
            "to_x": X,
            "to_y": Y,
            "via": Param("points", "points [[x, y], ...] the mouse passes through on the way (to draw a path)"),
            "steps": Param("int", "mouse moves between consecutive points", low=1, high=50, default=8),
        },
        (),
    ),
    "type": (
        "Replace the text of a text field with `text`; with submit=true, press Enter afterwards.",
        {
            "id": ID,
            "text": Param("string", "the field's new text"),
            "submit": Param("bool", "press Enter after typing", default=False),
        },
        ("id", "text"),
    ),
    "select": (
        "Choose an option of a drop-down or list box (<select>) by its visible label or value; "
        "a list of options selects all of them in a multiple-choice list box.",
        {"id": ID, "option": Param("option", "label or value, or a list of them")},
        ("id", "option"),
    ),
    "select_text": (
        "Select the text of an element with a mouse drag (all of it, or the first occurrence of `text` in it).",
        {"id": ID, "text": Param("string", "part of the element's text to select")},
        ("id",),
    ),
    "press": (
        "Press a key or chord, e.g. Enter, Tab, ArrowDown, Control+a, Shift+ArrowLeft; on the element `id` "
        "(focused first) if given, else on whatever has the focus.",
        {"key": Param("string", "a key name or chord, e.g. Enter or Control+a", max_len=60), "id": ID},
        ("key",),
    ),
    "scroll": (
        "Scroll by most of a screen: the page, the element `id`, or whatever is under the point (x, y) "
        "(mouse wheel); `pixels` sets the distance.",
        {
            "direction": Param("enum", "which way to scroll", SCROLL_DIRECTIONS),
            "id": ID,
            "x": X,
            "y": Y,
            "pixels": Param("int", "distance in CSS pixels", low=1, high=20_000),
        },
        ("direction",),
    ),
    "wait": (
        "Wait until `text` appears on the page (or disappears, with gone=true), until an element matching the "
        "CSS `selector` is visible (or gone), until a new page has loaded (navigation=true), or for `ms` "
        "milliseconds. Waits end as soon as the condition holds, and after at most timeout_ms.",
        {
            "ms": Param("int", "a plain pause", low=1, high=MAX_WAIT_MS),
            "text": Param("string", "text to wait for", max_len=500),
            "selector": Param("string", "a CSS selector", max_len=300),
            "navigation": Param("bool", "wait for a new page to load", default=False),
            "gone": Param("bool", "wait for the text or selector to disappear instead", default=False),
            "timeout_ms": Param("int", "upper bound of the wait", low=1, high=MAX_WAIT_MS, default=5000),
        },
        (),
    ),
    "goto": (
        "Open a URL (absolute, or relative to the current page). Only the task's own site is allowed.",
        {"url": Param("string", "the URL to open")},
        ("url",),
    ),
    "back": ("Go back to the previous page.", {}, ()),
    "forward": ("Go forward again after back().", {}, ()),
    "new_tab": (
        "Open a new tab (on `url` if given, else a blank page) and switch to it.",
        {"url": Param("string", "the URL to open (default: a blank page)")},
        (),
    ),
    "switch_tab": (
        "Make the tab with this index (the `Tabs:` line of the observation) the active one.",
        {"index": Param("int", "the tab's index in the Tabs: line", low=0, high=100)},
        ("index",),
    ),
    "close_tab": (
        "Close the tab with this index (default: the active one); the last tab cannot be closed.",
        {"index": Param("int", "the tab's index (default: the active tab)", low=0, high=100)},
        (),
    ),
    "send_message": (
        "Send a message to the user (a question, an update or an answer) without ending the episode.",
        {"text": Param("string", "the message")},
        ("text",),
    ),
    "answer": (
        "Give your final answer to a question in the goal; ends the episode.",
        {"text": Param("string", "your answer")},
        ("text",),
    ),
    "done": ("Declare the task finished; ends the episode and grades the result.", {}, ()),
}
TOOLS: list[Tool] = [
    Tool.define(name, desc, {k: p.schema() for k, p in params.items()}, list(required))
    for name, (desc, params, required) in SPECS.items()
]
PARAMS: dict[str, list[str]] = {name: list(spec[1]) for name, spec in SPECS.items()}
TERMINAL = frozenset({"answer", "done"})
CALL_HEAD = re.compile(r"([a-z_]+)\s*\(")  # disjoint classes, anchored by match(): linear
USAGE = (
    'call a tool, or end your reply with one line such as click(12), type(3, "text", submit=True), '
    'select(5, "Large"), press("Enter"), scroll("down"), click_at(120, 80), drag(4, 9), '
    'wait(text="Done"), goto("/cart"), back(), send_message("..."), answer("...") or done()'
)


@dataclass
class Call:
    name: str
    args: dict[str, Any]
    call_id: str | None = None


def _value(name: str, key: str, p: Param, value: Any) -> Any:
    where = f"{name}(): {key}"
    if p.kind == "id":
        if isinstance(value, list) and len(value) == 1:
            value = value[0]  # click([12]): the id as it is printed in the page text
        if isinstance(value, str) and value.strip().lstrip("[").rstrip("]").isdigit() and len(value) < 12:
            value = int(value.strip().lstrip("[").rstrip("]"))
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 10**9:
            raise InvalidAction(f"{where} must be a non-negative integer from the page text, got {value!r:.40}")
        return value
    if p.kind in ("int", "number"):
        if isinstance(value, str):
            try:
                value = float(value) if len(value) < 40 else value
            except ValueError:
                pass
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise InvalidAction(f"{where} must be a number, got {value!r:.40}")
        if p.kind == "int":
            if value != int(value):
                raise InvalidAction(f"{where} must be a whole number, got {value!r}")
            value = int(value)
        if not p.low <= value <= p.high:
            raise InvalidAction(f"{where} must be from {p.low:g} to {p.high:g}, got {value:g}")
        return value
    if p.kind == "bool":
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if not isinstance(value, bool):
            raise InvalidAction(f"{where} must be true or false")
        return value
    if p.kind == "enum":
        if value not in p.choices:
            raise InvalidAction(f"{where} must be one of {', '.join(p.choices)}, got {value!r:.40}")
        return value
    if p.kind == "strings":
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or any(v not in p.choices for v in value):
            raise InvalidAction(f"{where} must be a list of {', '.join(p.choices)}")
        return list(dict.fromkeys(value))
    if p.kind == "points":
        if not isinstance(value, (list, tuple)) or len(value) > MAX_VIA:
            raise InvalidAction(f"{where} must be a list of at most {MAX_VIA} [x, y] points")
        points = []
        for point in value:
            if not isinstance(point, (list, tuple)) or len(point) != 2:
                raise InvalidAction(f"{where} must be a list of [x, y] points")
            points.append((_value(name, key, X, point[0]), _value(name, key, Y, point[1])))
        return points
    if p.kind == "option" and isinstance(value, (list, tuple)):
        if not value or len(value) > 100:
            raise InvalidAction(f"{where} must be a label or a list of 1 to 100 labels")
        return [_value(name, key, Param("string", p.description, max_len=p.max_len), v) for v in value]
    # string (or a single option)
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise InvalidAction(f"{where} must be a string")
    value = str(value)
    if len(value) > p.max_len:
        raise InvalidAction(f"{where} is longer than {p.max_len} characters")
    return value


def check_key(key: str) -> str:
    """The key or chord in Playwright's spelling: named keys (any case) and single characters joined by ``+``.

    >>> check_key("control+A"), check_key("enter"), check_key("Shift++")
    ('Control+A', 'Enter', 'Shift++')
    """
    if key == "+":
        parts = ["+"]
    elif key.endswith("++"):
        parts = key[:-2].split("+") + ["+"]
    else:
        parts = key.split("+")
    out = []
    for part in parts:
        name = part if len(part) == 1 else KEYS_BY_LOWER.get(part.lower())
        if name is None:
            raise InvalidAction(
                f"press(): unknown key {part!r:.60}; use names like Enter, Tab, Escape, ArrowDown, "
                "Backspace, PageDown, F5, a single character, or a chord such as Control+a or Shift+Tab"
            )
        out.append(name)
    return "+".join(out)


def _check(name: str, args: dict[str, Any]) -> dict[str, Any]:
    if name not in SPECS:
        raise InvalidAction(f"unknown action {name!r:.60}; available: {', '.join(SPECS)}")
    _, params, required = SPECS[name]
    unknown = set(args) - set(params)
    if unknown:
        raise InvalidAction(
            f"{name}() takes no argument {', '.join(sorted(map(str, unknown)))[:200]}; "
            f"parameters: {', '.join(params) or 'none'}"
        )
    missing = [p for p in required if p not in args]
    if missing:
        raise InvalidAction(f"{name}() needs {', '.join(missing)}")
    out = {key: _value(name, key, params[key], value) for key, value in args.items()}
    if name == "press":
        out["key"] = check_key(out["key"])
    if name == "drag":
        for end in ("from", "to"):
            by_id, by_point = f"{end}_id" in out, f"{end}_x" in out or f"{end}_y" in out
            if by_id == by_point or (by_point and not (f"{end}_x" in out and f"{end}_y" in out)):
                raise InvalidAction(f"drag() needs either {end}_id or both {end}_x and {end}_y")
    if name == "scroll" and ("x" in out) != ("y" in out):
        raise InvalidAction("scroll(): give both x and y, or neither")
    if name == "scroll" and "id" in out and "x" in out:
        raise InvalidAction("scroll(): give an element id or a point, not both")
    if name == "wait":
        conditions = [k for k in ("ms", "text", "selector") if k in out] + (
            ["navigation"] if out.get("navigation") else []
        )
        if len(conditions) != 1:
            raise InvalidAction("wait() needs exactly one of ms, text, selector or navigation=true")
        if out.get("gone") and "text" not in out and "selector" not in out:
            raise InvalidAction("wait(): gone=true goes with text or selector")
        if "text" in out and not out["text"].strip():
            raise InvalidAction("wait(): text must not be empty")
    if name == "select" and isinstance(out["option"], list) and len(out["option"]) == 1:
        out["option"] = out["option"][0]
    return out


def _call_line(line: str) -> tuple[str, str] | None:
    """(name, arguments text) when the line is written like a call of a known tool."""
    if len(line) > MAX_CALL_LINE:
        return None
    core = line.strip().strip("`").strip()
    m = CALL_HEAD.match(core)
    if m is None or m.group(1) not in SPECS or not core.endswith(")"):
        return None
    return m.group(1), core[m.end() : -1]


def _parse_text(text: str) -> Call:
    for line in reversed(text.splitlines()):
        found = _call_line(line)
        if found is None:
            continue
        name, inner = found
        try:
            node = ast.parse(f"f({inner})", mode="eval").body
            if not isinstance(node, ast.Call):
                raise ValueError("not a call")
            positional = [ast.literal_eval(a) for a in node.args]
            keywords = {k.arg: ast.literal_eval(k.value) for k in node.keywords if k.arg}
        except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError) as exc:
            raise InvalidAction(
                f"could not read the arguments of {name}(...): {str(exc)[:200]}; "
                'use literals like click(12) or type(3, "text")'
            ) from None
        if len(positional) > len(PARAMS[name]):
            raise InvalidAction(f"{name}() takes at most {len(PARAMS[name])} arguments")
        args = dict(zip(PARAMS[name], positional))
        args.update(keywords)
        return Call(name, _check(name, args))
    raise InvalidAction("no action found: " + USAGE)


def parse_action(action: Action) -> list[Call]:
    """The calls an action asks for, validated; raises ``InvalidAction`` (answered as an error observation)."""
    if action.tool_calls:
        if len(action.tool_calls) > MAX_CALLS:
            raise InvalidAction(f"at most {MAX_CALLS} tool calls per turn, got {len(action.tool_calls)}")
        calls = []
        for tc in action.tool_calls:
            try:
                args = tc.function.parsed_arguments()
            except (ValueError, RecursionError) as exc:
                raise InvalidAction(
                    str(exc)[:300] if isinstance(exc, ValueError) else "arguments nested too deeply"
                ) from None
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
        where = (
            ", ".join(allowed_origins)
            if allowed_paths is None
            else ", ".join(o + p for o in allowed_origins for p in sorted(allowed_paths))
        )
        raise InvalidAction(f"goto refused: {url!r:.200} is outside this task's site (allowed: {where})")
    return target
