"""Solvers for MiniWoB tasks about finding the right thing to click (buttons, links, tabs, menus, boxes)."""

from __future__ import annotations

import re

from envgym_web.miniwob_solvers.page import (
    Node,
    Page,
    Solution,
    SolverFailed,
    chain,
    click,
    hover,
    match,
    ordinal,
    quoted,
    until,
    wait,
)


def click_test(page: Page) -> Solution:
    yield click(page.button("Click Me!"))


def click_named_button(page: Page) -> Solution:
    """click-test-2, click-test-transfer: 'Click button ONE.'"""
    yield click(page.button(match(r"button (\w+)", page.goal).group(1)))


def click_quoted_button(page: Page) -> Solution:
    """click-button, unicode-test: 'Click on the "okay" button.' (several buttons may share the label)."""
    yield click(page.button(quoted(page.goal)[0]))


def click_link(page: Page) -> Solution:
    yield click(page.one(None, quoted(page.goal)[0]))


def click_button_sequence(page: Page) -> Solution:
    page = yield click(page.button("ONE"))
    yield click(page.button("TWO"))


def click_dialog(page: Page) -> Solution:
    yield click(page.button("Close"))


def click_dialog_2(page: Page) -> Solution:
    label = quoted(page.goal)[0]
    yield click(page.button("Close" if label == "x" else label))


def click_tab(page: Page) -> Solution:
    yield click(page.one("tab", match(r"Tab #\d+", page.goal).group(0)))


def _link_behind(page: Page, headers: str) -> Solution:
    """Open tabs / accordion sections one after the other until the link named in the goal shows."""
    target = quoted(page.goal)[0]
    opened: set[str] = set()
    while not page.has("span", target):
        closed = [
            t
            for t in page.all(headers)
            if t.name not in opened and "selected" not in t.flags and t.attrs.get("expanded") != "true"
        ]
        if not closed:
            raise SolverFailed(f"reference solution: the link {target!r} is behind none of the {headers}s")
        opened.add(closed[0].name)
        page = yield chain(click(closed[0]), wait(ms=500))  # let a sliding section finish moving
    yield click(page.one("span", target))


def click_tab_2(page: Page) -> Solution:
    yield from _link_behind(page, "tab")


def click_collapsible(page: Page) -> Solution:
    # The section slides open (and the Submit button below it moves) for a moment: wait it out.
    page = yield chain(click(page.one("tab", lambda n: n.startswith("Section"))), wait(ms=500))
    yield click(page.button("Submit"))


def focus_text(page: Page) -> Solution:
    yield click(page.one("textbox"))


def focus_text_2(page: Page) -> Solution:
    n = ordinal(match(r"the (\d+\w\w) input", page.goal).group(1))
    yield click(page.all("textbox")[n - 1])


def click_color(page: Page) -> Solution:
    colour = match(r"Click on the (.+) colored box\.", page.goal).group(1)
    boxes = [b for b in page.all("div") if "color" in b.classes]
    want = css_rgb(colour)
    yield click(next(b for b in boxes if b.attrs.get("bg") == want))


def click_option(page: Page) -> Solution:
    page = yield click(page.one("radio", match(r"Select (.*) and click Submit\.", page.goal).group(1)))
    yield click(page.button("Submit"))


def _check_then_submit(page: Page, wanted: set[str]) -> Solution:
    while True:
        todo = [b for b in page.all("checkbox") if (b.name in wanted) != b.checked]
        if not todo:
            break
        page = yield click(todo[0])
    yield click(page.button("Submit"))


def click_checkboxes(page: Page) -> Solution:
    names = match(r"Select (.*) and click Submit\.", page.goal).group(1)
    yield from _check_then_submit(page, set() if names == "nothing" else set(names.split(", ")))


def click_menu(page: Page) -> Solution:
    """'Select A>B>C': hover each level until its submenu opens (jQuery UI opens it after a delay;
    clicking a parent item would select it), then click the leaf."""
    *parents, leaf = match(r"Select (.*)$", page.goal).group(1).split(">")
    for i, name in enumerate(parents):
        after = (parents + [leaf])[i + 1]
        page = yield from until(page, lambda p, n=after: p.has("menuitem", n), hover(page.one("menuitem", name)))
    yield click(page.one("menuitem", leaf))


def click_menu_2(page: Page) -> Solution:
    """The target is named, or shown as an icon (its class, as in the page text) that its item carries;
    items with a submenu (a caret icon) are opened by hovering them until the target shows."""
    label = re.search(r'item labeled "([^"]+)"', page.goal)
    icon = None if label else match(r'\[span class="([^"]+)"\]', page.goal).group(1)

    def target(p: Page) -> Node | None:
        for item in p.all("menuitem"):
            if label and item.name == label.group(1):
                return item
            if icon and any(c.attrs.get("class") == icon for c in p.children(item) if c.depth == item.depth + 1):
                return item
        return None

    page = yield click(page.button("Menu"))
    tried: set[str] = set()
    while target(page) is None:
        parents = [
            i
            for i in page.all("menuitem")
            if i.name not in tried and any("ui-menu-icon" in c.classes for c in page.children(i))
        ]
        if not parents:
            raise SolverFailed("reference solution: the menu item of the goal is in no submenu")
        tried.add(parents[0].name)
        page = yield from until(page, lambda p: target(p) is not None, hover(parents[0]), tries=8)
    yield click(target(page))  # type: ignore[arg-type]


def click_pie(page: Page) -> Solution:
    """Open the pie menu, then click the item. The menu ignores clicks while its opening animation
    runs (about 1.5 s, with a bounce): a click that changed nothing is repeated a moment later."""
    target = quoted(page.goal)[0]
    page = yield chain(click(page.one("text", "+")), wait(ms=1000))
    for _ in range(10):
        page = yield chain(click(page.one("text", target)), wait(ms=300))


def navigate_tree(page: Page) -> Solution:
    target = quoted(page.goal)[0]
    while not page.has("span", target):
        closed = [n for n in page.all("div") if "expandable-hitarea" in n.classes]
        if not closed:
            raise SolverFailed(f"reference solution: {target!r} is in no folder")
        page = yield click(closed[0])
    yield click(page.one("span", target))


def identify_shape(page: Page) -> Solution:
    figure = page.elements[0]
    if figure.role == "text":
        kind = "Number" if figure.name.isdigit() else "Letter"
    else:
        kind = {"rect": "Rectangle", "circle": "Circle", "polygon": "Triangle"}[figure.role]
    yield click(page.button(kind))


CSS_COLOURS = {
    "red": (255, 0, 0),
    "blue": (0, 0, 255),
    "olive": (128, 128, 0),
    "lime": (0, 255, 0),
    "black": (0, 0, 0),
    "white": (255, 255, 255),
    "grey": (128, 128, 128),
    "gray": (128, 128, 128),
    "purple": (128, 0, 128),
    "orange": (255, 165, 0),
    "yellow": (255, 255, 0),
    "cyan": (0, 255, 255),
    "aqua": (0, 255, 255),
    "pink": (255, 192, 203),
    "magenta": (255, 0, 255),
    "green": (0, 128, 0),
    "maroon": (128, 0, 0),
    "navy": (0, 0, 128),
    "silver": (192, 192, 192),
    "teal": (0, 128, 128),
    "gold": (255, 215, 0),
}


def css_rgb(name: str) -> str:
    """A CSS colour name as the page text prints computed colours: ``rgb(255,0,0)``."""
    r, g, b = CSS_COLOURS[name.strip().lower()]
    return f"rgb({r},{g},{b})"


def parse_rgb(text: str) -> tuple[int, int, int]:
    r, g, b = (int(v) for v in re.findall(r"\d+", text)[:3])
    return r, g, b


SOLVERS = {
    "click-test": click_test,
    "click-test-2": click_named_button,
    "click-test-transfer": click_named_button,
    "click-button": click_quoted_button,
    "unicode-test": click_quoted_button,
    "click-link": click_link,
    "click-button-sequence": click_button_sequence,
    "click-dialog": click_dialog,
    "click-dialog-2": click_dialog_2,
    "click-tab": click_tab,
    "click-tab-2": click_tab_2,
    "click-tab-2-easy": click_tab_2,
    "click-tab-2-medium": click_tab_2,
    "click-tab-2-hard": click_tab_2,
    "click-collapsible": click_collapsible,
    "click-collapsible-nodelay": click_collapsible,
    "click-collapsible-2": lambda page: _link_behind(page, "tab"),
    "click-collapsible-2-nodelay": lambda page: _link_behind(page, "tab"),
    "focus-text": focus_text,
    "focus-text-2": focus_text_2,
    "click-color": click_color,
    "click-option": click_option,
    "click-checkboxes": click_checkboxes,
    "click-checkboxes-large": click_checkboxes,
    "click-checkboxes-transfer": click_checkboxes,
    "click-menu": click_menu,
    "click-menu-2": click_menu_2,
    "click-pie": click_pie,
    "click-pie-nodelay": click_pie,
    "navigate-tree": navigate_tree,
    "identify-shape": identify_shape,
}
