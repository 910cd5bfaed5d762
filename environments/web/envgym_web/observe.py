"""Turning a page snapshot into the agent's observation text, within a size budget.

The text is the goal, the URL and title, the last action's error (if any) and the page as an
accessibility-tree-like list in which every interactive element carries a short id::

    [3] link "Red Mug"
    [7] textbox "Search" value="mug"

The tree is cut at ``max_chars`` characters (default 6000) with an explicit marker, so the
agent knows the page goes on.

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

import re
from dataclasses import dataclass, field
from importlib import resources

from playwright.async_api import Page

SNAPSHOT_JS = resources.files("envgym_web").joinpath("snapshot.js").read_text(encoding="utf-8")
DEFAULT_MAX_CHARS = 6000
TRUNCATION_MARKER = "[… truncated: {n} more lines not shown]"
ELEMENT_LINE = re.compile(r'^\s*\[(\d+)\] (\S+) "((?:[^"\\]|\\.)*)"(.*)$')


@dataclass
class PageSnapshot:
    url: str
    title: str
    lines: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SnapshotOptions:
    """What the DOM walker treats as interactive; fixed per suite by the environment."""

    skip_selectors: tuple[str, ...] = ()
    text_is_interactive: bool = False  # MiniWoB: any element with its own text can be clicked
    pointer_is_interactive: bool = True  # elements styled with cursor:pointer
    show_colors: bool = False  # MiniWoB: some tasks are about colours (click-color, click-shades)
    max_name: int = 100
    max_text: int = 200

    def to_js(self) -> dict[str, object]:
        return {"skipSelectors": list(self.skip_selectors), "textIsInteractive": self.text_is_interactive,
                "pointerIsInteractive": self.pointer_is_interactive,
                "showColors": self.show_colors, "maxName": self.max_name, "maxText": self.max_text}


async def read_page(page: Page, options: SnapshotOptions) -> PageSnapshot:
    """The page as snapshot lines (one evaluation of ``snapshot.js``; it also numbers new elements)."""
    raw = await page.evaluate(SNAPSHOT_JS, options.to_js())
    return PageSnapshot(url=raw["url"], title=raw["title"], lines=list(raw["lines"]))


def render(snapshot: PageSnapshot, *, goal: str, error: str | None, max_chars: int = DEFAULT_MAX_CHARS,
           notes: list[str] | None = None) -> str:
    head = [f"Goal: {goal}", f"URL: {snapshot.url}", f"Title: {snapshot.title}"]
    if error:
        head.append(f"Last action error: {error}")
    for note in notes or []:
        head.append(note)
    head.append("Page:")
    body: list[str] = []
    used = 0
    for i, line in enumerate(snapshot.lines):
        if used + len(line) + 1 > max_chars:
            body.append(TRUNCATION_MARKER.format(n=len(snapshot.lines) - i))
            break
        body.append(line)
        used += len(line) + 1
    if not snapshot.lines:
        body.append("(empty page)")
    return "\n".join(head + body)


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
