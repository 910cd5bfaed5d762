"""Turning a page snapshot into the agent's observation text, within a size budget.

The text is the goal, the URL and title, the last action's error (if any) and the page as an
accessibility-tree-like list in which every interactive element carries a short id::

    [3] link "Red Mug"
    [7] textbox "Search" value="mug"

The tree is cut at ``max_chars`` characters (default 6000) with an explicit marker, so the
agent knows the page goes on. Observation modes (``MODES``, chosen per session): ``axtree`` (this
text, the default), ``dom`` (pruned HTML instead, ``dom.js``), ``screenshot`` (a PNG of the
viewport) and ``som`` (the screenshot with a numbered box on every element that has an id,
``marks.py``).

Example:
    >>> snap = PageSnapshot(url="http://x/", title="T", lines=['[1] button "Go"'])
    >>> print(render(snap, goal="press go", error=None, max_chars=100))
    Goal: press go
    URL: http://x/
    Title: T
    Page:
    [1] button "Go"
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from importlib import resources

from playwright.async_api import Page

SNAPSHOT_JS = resources.files("envgym_web").joinpath("snapshot.js").read_text(encoding="utf-8")
DOM_JS = resources.files("envgym_web").joinpath("dom.js").read_text(encoding="utf-8")
MODES = ("axtree", "dom", "screenshot", "som")
DEFAULT_MAX_CHARS = 6000
TRUNCATION_MARKER = "[… truncated: {n} more lines not shown]"
ELEMENT_LINE = re.compile(r'^\s*\[(\d+)\] (\S+) "((?:[^"\\]|\\.)*)"(.*)$')


@dataclass
class PageSnapshot:
    url: str
    title: str
    lines: list[str] = field(default_factory=list)
    boxes: dict[int, tuple[int, int, int, int]] = field(default_factory=dict)  # id -> visible x, y, w, h (som)


@dataclass(frozen=True)
class SnapshotOptions:
    """What the DOM walker treats as interactive; fixed per suite by the environment."""

    skip_selectors: tuple[str, ...] = ()
    text_is_interactive: bool = False  # MiniWoB: any element with its own text can be clicked
    pointer_is_interactive: bool = True  # elements styled with cursor:pointer
    show_colors: bool = False  # MiniWoB: some tasks are about colours (click-color, click-shades)
    max_name: int = 100
    max_text: int = 200
    max_value: int = 300  # a text field's value, cut in the middle

    def to_js(self) -> dict[str, object]:
        return {
            "skipSelectors": list(self.skip_selectors),
            "textIsInteractive": self.text_is_interactive,
            "pointerIsInteractive": self.pointer_is_interactive,
            "showColors": self.show_colors,
            "maxName": self.max_name,
            "maxText": self.max_text,
            "maxValue": self.max_value,
        }


@functools.lru_cache(maxsize=8)
def page_js(before_js: str | None = None, status_js: str | None = None) -> str:
    """``snapshot.js`` in a script that can first run two other fixed scripts in the same evaluation
    (one round trip instead of three): ``before_js`` (with ``args.before``; when its answer has a
    true ``navigating`` or ``popup``, the page is going away and nothing else is read) and
    ``status_js`` (with ``args.status``; when its answer has a true ``done``, the episode is over
    and the page is not read). Answers ``{before, status, page}``; ``page`` is ``snapshot.js``'s
    answer when ``args.snapshot`` (its options) is given. A page read at a reset and after each
    action goes through the same script text, which the renderer then compiles once per document."""
    before = f"({before_js})()" if before_js else "null"
    status = f"({status_js})()" if status_js else "null"
    return (
        "(args) => {\n"
        f"  const before = args.before ? {before} : null;\n"
        "  if (before && (before.navigating || before.popup)) return {before: before};\n"
        f"  const status = args.status ? {status} : null;\n"
        "  if ((status && status.done) || !args.snapshot) return {before: before, status: status};\n"
        f"  return {{before: before, status: status, page: ({SNAPSHOT_JS})(args.snapshot)}};\n"
        "}"
    )


async def read_page(
    page: Page, options: SnapshotOptions, boxes: bool = False, script: str | None = None
) -> PageSnapshot:
    """The page as snapshot lines (one evaluation of ``snapshot.js``, through ``script``, a
    ``page_js`` script, when given; it also numbers new elements)."""
    raw = await page.evaluate(script or page_js(), {"snapshot": snapshot_args(options, boxes)})
    return to_snapshot(raw["page"])


def snapshot_args(options: SnapshotOptions, boxes: bool) -> dict[str, object]:
    """The argument ``snapshot.js`` takes."""
    return {**options.to_js(), "boxes": boxes}


def to_snapshot(raw: dict) -> PageSnapshot:
    """A ``PageSnapshot`` from what ``snapshot.js`` answered."""
    found = {int(b[0]): (int(b[1]), int(b[2]), int(b[3]), int(b[4])) for b in raw.get("boxes") or []}
    return PageSnapshot(url=raw["url"], title=raw["title"], lines=list(raw["lines"]), boxes=found)


async def read_dom(page: Page, options: SnapshotOptions, max_chars: int) -> list[str]:
    """The page as pruned HTML lines, at most about ``max_chars`` characters (after ``read_page``
    numbered the elements), ending with the truncation marker when cut."""
    raw = await page.evaluate(DOM_JS, {**options.to_js(), "maxChars": max_chars})
    lines = list(raw["lines"])
    if raw["truncated"]:
        lines.append(TRUNCATION_MARKER.format(n="some"))
    return lines


def observation_modes(value: object) -> tuple[str, ...]:
    """The session's observation modes from its option: a name or a list of names (``MODES``).

    >>> observation_modes("som"), observation_modes(["dom", "screenshot"])
    (('som',), ('dom', 'screenshot'))
    """
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, (list, tuple)) or not names or any(n not in MODES for n in names):
        raise ValueError(f"observation must be one of {', '.join(MODES)} or a list of them, got {value!r:.100}")
    if "axtree" in names and "dom" in names:
        raise ValueError("observation: choose axtree or dom for the page text, not both")
    return tuple(dict.fromkeys(names))


def render(
    snapshot: PageSnapshot,
    *,
    goal: str,
    error: str | None,
    max_chars: int = DEFAULT_MAX_CHARS,
    notes: list[str] | None = None,
    tabs: list[str] | None = None,
    body: list[str] | None = None,
) -> str:
    """The observation text; ``body`` replaces the page lines (pruned HTML, or a note that the page is
    only in the screenshot); ``tabs`` lists the tabs' titles when there are several."""
    head = [f"Goal: {goal}", f"URL: {snapshot.url}", f"Title: {snapshot.title}"]
    if tabs and len(tabs) > 1:
        head.append("Tabs: " + " | ".join(tabs))
    if error:
        head.append(f"Last action error: {error}")
    for note in notes or []:
        head.append(note)
    head.append("Page:")
    source = snapshot.lines if body is None else body
    out: list[str] = []
    used = 0
    for i, line in enumerate(source):
        if used + len(line) + 1 > max_chars:
            out.append(TRUNCATION_MARKER.format(n=len(source) - i))
            break
        out.append(line)
        used += len(line) + 1
    if not source:
        out.append("(empty page)")
    return "\n".join(head + out)


@dataclass(frozen=True)
class Element:
    id: int
    role: str
    name: str
    rest: str


def parse_elements(text: str) -> list[Element]:
    """The interactive elements listed in an observation's text, in page order."""
    import json

    out = []
    for line in text.splitlines():
        m = ELEMENT_LINE.match(line)
        if m:
            out.append(Element(int(m.group(1)), m.group(2), json.loads('"' + m.group(3) + '"'), m.group(4).strip()))
    return out
