"""What a MiniWoB solver sees: the observation's page text, parsed, and the tool calls it can make.

A solver sees exactly what an agent sees (``Observation.data["goal"]`` and ``["page"]``) and acts
only through the environment's tools, so a solution that scores 1 shows the task is solvable from
the observation, and nothing else.

Example:
    >>> page = Page.parse("Goal: Click OK.", 'Page:\\n[3] button "OK" bg=rgb(1,2,3)\\n  Hello')
    >>> b = page.one("button", "OK"); (b.id, b.attrs["bg"], page.texts())
    (3, 'rgb(1,2,3)', ['Hello'])
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Callable, Iterator

from envgym.protocol import Action, Observation
from envgym.protocol.errors import EnvgymError

ELEMENT = re.compile(r'^(\s*)\[(\d+)\] (\S+) "((?:[^"\\]|\\.)*)"(.*)$')
MARKED = re.compile(r'^(\s*)(heading|img) "((?:[^"\\]|\\.)*)"(.*)$')
ATTR = re.compile(r'([a-z][\w-]*)=("(?:[^"\\]|\\.)*"|\S+)|([a-z][\w-]*)')


class SolverFailed(EnvgymError):
    """The reference solution found the page not as it expected (a bug in the solution or the task)."""

    code = "agent_error"


@dataclass(frozen=True)
class Node:
    """One line of the page text: an element (``id`` set), a marked heading/image, or plain text."""

    id: int | None
    role: str  # "text" for plain text lines
    name: str
    depth: int
    attrs: dict[str, str] = field(default_factory=dict)
    flags: frozenset[str] = frozenset()

    @property
    def at(self) -> tuple[float, float] | None:
        if "at" not in self.attrs:
            return None
        x, y = self.attrs["at"].split(",")
        return float(x), float(y)

    @property
    def value(self) -> str:
        return self.attrs.get("value", "")

    @property
    def checked(self) -> bool:
        return "checked" in self.flags or self.attrs.get("checked") == "true"

    @property
    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()


def _attrs(rest: str) -> tuple[dict[str, str], frozenset[str]]:
    attrs: dict[str, str] = {}
    flags: set[str] = set()
    for key, value, flag in ATTR.findall(rest):
        if flag:
            flags.add(flag)
        else:
            attrs[key] = json.loads(value) if value.startswith('"') else value
    return attrs, frozenset(flags)


def _depth(indent: str) -> int:
    return len(indent) // 2


@dataclass
class Page:
    goal: str
    nodes: list[Node]
    error: str | None = None
    url: str = ""
    replies: list[str] = field(default_factory=list)  # first line of each tool call's reply: "ok", "Error: ..."

    @classmethod
    def parse(cls, goal: str, text: str, error: str | None = None) -> "Page":
        body = text.split("\nPage:\n", 1)[1] if "\nPage:\n" in text else text.split("Page:\n", 1)[-1]
        nodes = []
        for line in body.splitlines():
            if m := ELEMENT.match(line):
                attrs, flags = _attrs(m.group(5))
                nodes.append(
                    Node(int(m.group(2)), m.group(3), json.loads(f'"{m.group(4)}"'), _depth(m.group(1)), attrs, flags)
                )
            elif m := MARKED.match(line):
                attrs, flags = _attrs(m.group(4))
                nodes.append(Node(None, m.group(2), json.loads(f'"{m.group(3)}"'), _depth(m.group(1)), attrs, flags))
            elif line.strip():
                nodes.append(Node(None, "text", line.strip(), _depth(line[: len(line) - len(line.lstrip())])))
        return cls(goal, nodes, error)

    @classmethod
    def from_observation(cls, observation: Observation) -> "Page":
        data = observation.data or {}
        text = (
            data.get("page") if isinstance(data.get("page"), str) else "\n".join(m.text() for m in observation.messages)
        )
        page = cls.parse(str(data.get("goal", "")), text, data.get("error"))
        page.url = str(data.get("url", ""))
        page.replies = [m.text().split("\n", 1)[0] for m in observation.messages if m.role == "tool"]
        return page

    # ------------------------------------------------------------------ lookups
    @property
    def elements(self) -> list[Node]:
        return [n for n in self.nodes if n.id is not None]

    def all(self, role: str | None = None, name: str | Callable[[str], bool] | None = None) -> list[Node]:
        """Elements with this role (any if None) whose name equals ``name`` (or satisfies it)."""
        out = []
        for n in self.elements:
            if role is not None and n.role != role:
                continue
            if name is not None and not (name(n.name) if callable(name) else n.name == name):
                continue
            out.append(n)
        return out

    def one(self, role: str | None = None, name: str | Callable[[str], bool] | None = None) -> Node:
        """The first matching element; ``SolverFailed`` (listing what is there) when there is none."""
        hits = self.all(role, name)
        if not hits:
            seen = ", ".join(f'[{e.id}] {e.role} "{e.name[:30]}"' for e in self.elements[:40])
            raise SolverFailed(
                f"reference solution: no {role or 'element'} named {name!r} on the page; elements: {seen}"
            )
        return hits[0]

    def has(self, role: str | None = None, name: str | Callable[[str], bool] | None = None) -> bool:
        return bool(self.all(role, name))

    def button(self, name: str) -> Node:
        return self.one("button", name)

    def texts(self) -> list[str]:
        """Plain text lines (not element names), in page order."""
        return [n.name for n in self.nodes if n.role == "text"]

    def children(self, parent: Node) -> list[Node]:
        """The nodes listed under ``parent`` (deeper indentation, until the next sibling)."""
        start = self.nodes.index(parent)
        out = []
        for n in self.nodes[start + 1 :]:
            if n.depth <= parent.depth:
                break
            out.append(n)
        return out

    def parent(self, child: Node) -> Node | None:
        i = self.nodes.index(child)
        for n in reversed(self.nodes[:i]):
            if n.depth < child.depth:
                return n
        return None


# ---------------------------------------------------------------------- tool calls


def click(node: Node) -> Action:
    return Action.call("click", id=node.id)


def hover(node: Node) -> Action:
    return Action.call("hover", id=node.id)


def type_text(node: Node, text: str, submit: bool = False) -> Action:
    return Action.call("type", id=node.id, text=text, submit=submit)


def select(node: Node, option: str | list[str]) -> Action:
    return Action.call("select", id=node.id, option=option)


def press(key: str, node: Node | None = None) -> Action:
    """A key or chord on the focused element, or on ``node`` (focused first)."""
    return Action.call("press", key=key, **({"id": node.id} if node is not None else {}))


def scroll(direction: str, node: Node | None = None) -> Action:
    return Action.call("scroll", direction=direction, **({"id": node.id} if node is not None else {}))


MAX_CALLS = 20  # tool calls the environment runs in one action


def chain(*actions: Action) -> Action:
    """Several tool calls in one action (one turn), run in order: key presses, a burst of clicks;
    at most MAX_CALLS (see ``chunks`` for more)."""
    calls = [
        call.model_copy(update={"id": f"call_{i}"})
        for i, call in enumerate(c for a in actions for c in a.tool_calls or [])
    ]
    if len(calls) > MAX_CALLS:
        raise SolverFailed(f"reference solution: {len(calls)} tool calls in one action (at most {MAX_CALLS})")
    return Action(tool_calls=calls)


def run_all(page: Page, actions: list[Action]) -> Iterator[Action]:
    """Send many actions as few chained ones (MAX_CALLS each); returns the last page
    (``page = yield from run_all(page, [...])``)."""
    for i in range(0, len(actions), MAX_CALLS):
        page = yield chain(*actions[i : i + MAX_CALLS])
    return page


def hover_at(x: float, y: float) -> Action:
    return Action.call("hover_at", x=x, y=y)


def wait(ms: int | None = None, text: str | None = None, gone: bool = False, timeout_ms: int = 5000) -> Action:
    """Wait a moment (``ms``), or until ``text`` appears on the page (disappears, with ``gone``)."""
    if ms is not None:
        return Action.call("wait", ms=ms)
    return Action.call("wait", text=text, gone=gone, timeout_ms=timeout_ms)


def pause() -> Action:
    """Look at the page again a moment later (an animation, a delay, an image loading)."""
    return wait(ms=200)


def until(page: Page, ready: Callable[[Page], bool], action: Action | None = None, tries: int = 30) -> Iterator[Action]:
    """Send ``action`` (if any), then look again until ``ready(page)``; the last page is the
    generator's return value (``page = yield from until(...)``)."""
    if action is not None:
        page = yield action
    for _ in range(tries):
        if ready(page):
            return page
        page = yield pause()
    shown = "; ".join(
        f"[{n.id}] {n.role} {n.name[:20]!r} {' '.join(f'{k}={v}' for k, v in n.attrs.items() if k in ('class', 'at'))}"
        for n in page.elements[:30]
    )
    raise SolverFailed(f"reference solution: the page never got ready; elements: {shown}")


def quoted(goal: str) -> list[str]:
    """The double-quoted strings of a goal, in order."""
    return re.findall(r'"([^"]*)"', goal)


def match(pattern: str, goal: str) -> re.Match[str]:
    m = re.search(pattern, goal)
    if not m:
        raise SolverFailed(f"reference solution: the goal {goal!r} does not match {pattern!r}")
    return m


# A solver is a generator: it yields an action, receives the next page, and so on. Returning ends
# it (the oracle then sends done(), which scores whatever the page decided).
Solution = Iterator[Action]
Solver = Callable[[Page], Iterator[Action]]


def ordinal(word: str) -> int:
    """'1st' -> 1, '3rd' -> 3."""
    return int(re.match(r"\d+", word).group(0))  # type: ignore[union-attr]
