"""Solvers for MiniWoB tasks about filling in forms: text fields, passwords, lists, dates, sliders."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Iterator

from envgym.protocol import Action
from envgym_web.miniwob_solvers.clicks import CSS_COLOURS, parse_rgb
from envgym_web.miniwob_solvers.page import (
    Node,
    Page,
    Solution,
    SolverFailed,
    chain,
    click,
    match,
    ordinal,
    press,
    quoted,
    run_all,
    scroll,
    select,
    type_text,
    until,
    wait,
)


def _fill_and_submit(page: Page, field: Node, text: str, submit: str = "Submit") -> Solution:
    page = yield type_text(field, text)
    yield click(page.button(submit))


def enter_text(page: Page) -> Solution:
    yield from _fill_and_submit(page, page.one("textbox"), quoted(page.goal)[0])


def enter_text_2(page: Page) -> Solution:
    text = quoted(page.goal)[0]
    yield from _fill_and_submit(page, page.one("textbox"), text.upper() if "upper case" in page.goal else text.lower())


def login_user(page: Page) -> Solution:
    """Also login-user-popup: focusing a field may open a 'session expires' popup that disables the
    form; it is dismissed with Cancel (OK ends the episode) and the field typed again."""
    user, password = quoted(page.goal)[:2]
    for label, text in (("Username", user), ("Password", password)):
        for _ in range(3):
            page = yield type_text(page.one("textbox", label), text)
            if page.has("button", "Cancel"):
                page = yield click(page.button("Cancel"))
                continue
            if len(page.one("textbox", label).value) == len(text):
                break
    yield click(page.one("button", lambda n: n in ("Login", "OK")))


def enter_password(page: Page) -> Solution:
    password = quoted(page.goal)[0]
    page = yield type_text(page.one("textbox", "Password"), password)
    yield from _fill_and_submit(page, page.one("textbox", "Verify password"), password)


def choose_list(page: Page) -> Solution:
    page = yield select(page.one("combobox"), match(r"Select (.*) from the list", page.goal).group(1))
    yield click(page.button("Submit"))


def text_transform(page: Page) -> Solution:
    letters = "".join(n.name for n in page.all("span"))
    yield from _fill_and_submit(page, page.one("textbox"), letters)


def find_word(page: Page) -> Solution:
    n = ordinal(match(r"the (\d+\w\w) word", page.goal).group(1))
    words = page.one("p").name.split()
    yield from _fill_and_submit(page, page.one("textbox"), re.sub(r"[^a-zA-Z]", "", words[n - 1]))


def copy_paste(page: Page) -> Solution:
    """The text areas are the fields with text, the field to paste into is the empty one."""
    areas = [b for b in page.all("textbox") if b.value]
    target = next(b for b in page.all("textbox") if not b.value)
    m = re.search(r"the (\d+\w\w) text area", page.goal)
    yield from _fill_and_submit(page, target, areas[ordinal(m.group(1)) - 1 if m else 0].value)


def simple_arithmetic(page: Page) -> Solution:
    a, op, b = match(r"(-?\d+) ([-+x]) (-?\d+) =", " ".join(n.name for n in page.nodes)).groups()
    value = {"+": int(a) + int(b), "-": int(a) - int(b), "x": int(a) * int(b)}[op]
    yield from _fill_and_submit(page, page.one("textbox"), str(value))


def simple_algebra(page: Page) -> Solution:
    problem = next(n.name for n in page.nodes if re.fullmatch(r"\S+ [-+] \S+ = -?\d+", n.name))
    left, op, right, _, total = problem.split()
    known = int(right) if left == "x" else int(left)
    if op == "+":
        x = int(total) - known
    else:
        x = int(total) + known if left == "x" else known - int(total)
    yield from _fill_and_submit(page, page.one("textbox"), str(x))


def _table(page: Page) -> dict[str, str]:
    cells = [n.name for n in page.all("td")]
    return dict(zip(cells[::2], cells[1::2]))


def read_table(page: Page) -> Solution:
    key = match(r"Enter the value of (.*) into the text field", page.goal).group(1)
    yield from _fill_and_submit(page, page.one("textbox"), _table(page)[key])


def read_table_2(page: Page) -> Solution:
    table = _table(page)
    for field in page.all("textbox"):
        page = yield type_text(field, table[field.name.rstrip(":")])
    yield click(page.button("Submit"))


def enter_date(page: Page) -> Solution:
    """The date input takes its value in ISO form, whatever the browser shows."""
    month, day, year = match(r"(\d\d)/(\d\d)/(\d{4})", page.goal).groups()
    yield from _fill_and_submit(page, page.one("textbox"), f"{year}-{month}-{day}")


def enter_time(page: Page) -> Solution:
    t = datetime.strptime(match(r"Enter (\d+:\d\d [AP]M)", page.goal).group(1), "%I:%M %p")
    yield from _fill_and_submit(page, page.one("textbox"), t.strftime("%H:%M"))


def use_spinner(page: Page) -> Solution:
    """Click the spinner's up or down arrow (the upper one is up) until the field shows the number."""
    target = int(match(r"Select (-?\d+) with the spinner", page.goal).group(1))
    arrows = sorted((b for b in page.all("button") if not b.name), key=lambda b: b.at[1] if b.at else 0)
    current = int(page.one("spinbutton").value or 0)
    steps = target - current
    if steps:
        page = yield from run_all(page, [click(arrows[0] if steps > 0 else arrows[1])] * abs(steps))
    yield click(page.button("Submit"))


def _slider_to(page: Page, handle: Node, readout: Node, target: int) -> Solution:
    """jQuery UI sliders take the arrow keys once their handle has the focus (a click on the handle
    keeps its value)."""
    page = yield click(handle)
    steps = target - int(readout.name)
    if steps:
        page = yield from run_all(page, [press("ArrowRight" if steps > 0 else "ArrowLeft")] * abs(steps))
    return page


def _sliders(page: Page) -> list[tuple[Node, Node]]:
    handles = [n for n in page.all("span") if "ui-slider-handle" in n.classes]
    out = []
    for h in handles:
        after = page.nodes[page.nodes.index(h) + 1 :]
        out.append((h, next(n for n in after if re.fullmatch(r"-?\d+", n.name))))
    return out


def use_slider(page: Page) -> Solution:
    target = int(match(r"Select (-?\d+) with the slider", page.goal).group(1))
    handle, readout = _sliders(page)[0]
    page = yield from _slider_to(page, handle, readout, target)
    yield click(page.button("Submit"))


def use_slider_2(page: Page) -> Solution:
    combo = [int(v) for v in re.findall(r"-?\d+", match(r"\[([-\d,]+)\]", page.goal).group(1))]
    for i, target in enumerate(combo):
        handle, readout = _sliders(page)[i]
        page = yield from _slider_to(page, handle, readout, target)
    yield click(page.button("Submit"))


def form_sequence(page: Page) -> Solution:
    m = match(r"Select (-?\d+) with the slider, click the (\d\w\w) checkbox", page.goal)
    handle, readout = _sliders(page)[0]
    page = yield from _slider_to(page, handle, readout, int(m.group(1)))
    page = yield click(page.all("checkbox")[ordinal(m.group(2)) - 1])
    yield click(page.button("Submit"))


def form_sequence_2(page: Page) -> Solution:
    m = match(r'Check the (\d\w\w) radio button and enter the number "(-?\d+)" into the (\d\w\w) textbox', page.goal)
    page = yield click(page.all("radio")[ordinal(m.group(1)) - 1])
    page = yield type_text(page.all("textbox")[ordinal(m.group(3)) - 1], m.group(2))
    yield click(page.button("Submit"))


def form_sequence_3(page: Page) -> Solution:
    m = match(r'Choose (.*) from the dropdown, then click the button labeled "(\w+)"', page.goal)
    page = yield select(page.one("combobox"), m.group(1))
    yield click(page.button(m.group(2)))


def multi_layouts(page: Page) -> Solution:
    """The three fields come in several layouts and orders; each is found by its label, which is
    the line before every field, or in one layout the line after it."""
    genre, director, year = match(r"Search for (.*) movies directed by (.*) from year (\d+)\.", page.goal).groups()
    wanted = {"genre": genre, "director": director, "year": year, "released": year}
    fields = page.all("textbox")
    offset = -1 if _label(page.nodes[page.nodes.index(fields[0]) - 1]) else 1
    for field in fields:
        label = _label(page.nodes[page.nodes.index(field) + offset])
        if label is None:
            raise SolverFailed(f"reference solution: no label next to field [{field.id}]")
        page = yield type_text(field, wanted[label])
    yield click(page.one(None, lambda n: n in ("Submit", "Search", "Go!")))


def _label(node: Node) -> str | None:
    return next((w for w in ("genre", "director", "year", "released") if w in node.name.lower()), None)


def sign_agreement(page: Page) -> Solution:
    if page.goal == "Click the cancel button.":
        yield click(page.button("Cancel"))
        return
    name, button = quoted(page.goal)
    for _ in range(30):  # the form unlocks once the agreement is scrolled to its end
        if "disabled" not in page.one("textbox", "Name").flags:
            break
        page = yield chain(*[scroll("down", page.all("textbox")[0])] * 10)
    page = yield type_text(page.one("textbox", "Name"), name)
    yield click(page.button(button))


def scroll_text_2(page: Page) -> Solution:
    direction = "down" if "bottom" in page.goal else "up"
    page = yield chain(*[scroll(direction, page.one("textbox"))] * 12)
    yield click(page.button("Submit"))


MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def pick_date(page: Page, field: Node, date: str) -> Iterator[Action]:
    """Choose mm/dd/yyyy in a jQuery UI date picker: open it from its (read-only) field, step the
    months with Prev/Next, click the day. Returns the last page."""
    month, day, year = (int(v) for v in date.split("/"))
    page = yield from until(page, lambda p: p.has("span", "Next"), chain(click(field), wait(ms=300)))
    for _ in range(40):
        shown_month = next(MONTHS.index(n.name) + 1 for n in page.all("span") if n.name in MONTHS)
        shown_year = int(next(n.name for n in page.all("span") if re.fullmatch(r"\d{4}", n.name)))
        delta = (year - shown_year) * 12 + (month - shown_month)
        if delta == 0:
            break
        page = yield click(page.one("span", "Next" if delta > 0 else "Prev"))
    page = yield click(page.one("link", str(day)))
    return page


def choose_date(page: Page) -> Solution:
    date = match(r"Select (\d\d/\d\d/\d{4}) as the date", page.goal).group(1)
    page = yield from pick_date(page, page.one("textbox"), date)
    yield click(page.button("Submit"))


def use_colorwheel(page: Page) -> Solution:
    """The colour picker's field takes the colour as six hex digits: a named colour, or the swatch
    the goal shows (``[div class="cc" bg=rgb(r,g,b)]``)."""
    m = re.search(r"bg=(rgb\([\d,]+\))", page.goal)
    rgb = parse_rgb(m.group(1)) if m else CSS_COLOURS[match(r"Select (\w+) with the color picker", page.goal).group(1)]
    yield from _fill_and_submit(page, page.one("textbox"), "".join(f"{v:02X}" for v in rgb))


def scroll_text(page: Page) -> Solution:
    """The last word of the text area (a long value is shown with its middle cut out, so its end is
    in the page text)."""
    area = next(n for n in page.all("textbox") if "multiline" in n.flags)
    word = re.sub(r"[^a-zA-Z0-9]", "", area.value.split()[-1])
    field = next(n for n in page.all("textbox") if n is not area)
    yield from _fill_and_submit(page, field, word)


def highlight_text(page: Page) -> Solution:
    """Select a paragraph's text with the mouse, then Submit (the page reads the selection)."""
    m = re.search(r"the (\d\w\w) paragraph", page.goal)
    paragraph = page.all("p")[ordinal(m.group(1)) - 1] if m else page.one("div", lambda n: n != "Submit")
    yield chain(Action.call("select_text", id=paragraph.id), click(page.button("Submit")))


def click_scroll_list(page: Page) -> Solution:
    names = match(r"Select (.*) from the scroll list and click Submit\.", page.goal).group(1).split(", ")
    yield chain(select(page.one("listbox"), names), click(page.button("Submit")))  # type: ignore[arg-type]


def button_delay(page: Page) -> Solution:
    """Press ONE, wait the asked seconds, press TWO (the page allows 15 %, 150 ms for one second).
    Both are pressed from the keyboard in one action (ONE has the focus first; Tab moves it to
    TWO): a key press costs one round trip where a click checks its element, so only a few
    milliseconds add to the pause, and 50 ms of them are taken off it."""
    seconds = int(match(r"wait (\d+) seconds?", page.goal).group(1))
    page = yield press("Shift", page.button("ONE"))
    yield chain(press("Enter"), press("Tab"), wait(ms=seconds * 1000 - 50), press("Enter"))


SOLVERS = {
    "enter-text": enter_text,
    "enter-text-dynamic": enter_text,
    "enter-text-2": enter_text_2,
    "login-user": login_user,
    "login-user-popup": login_user,
    "enter-password": enter_password,
    "choose-list": choose_list,
    "text-transform": text_transform,
    "find-word": find_word,
    "copy-paste": copy_paste,
    "copy-paste-2": copy_paste,
    "simple-arithmetic": simple_arithmetic,
    "simple-algebra": simple_algebra,
    "read-table": read_table,
    "read-table-2": read_table_2,
    "enter-date": enter_date,
    "enter-time": enter_time,
    "use-spinner": use_spinner,
    "use-slider": use_slider,
    "use-slider-2": use_slider_2,
    "form-sequence": form_sequence,
    "form-sequence-2": form_sequence_2,
    "form-sequence-3": form_sequence_3,
    "multi-layouts": multi_layouts,
    "multi-orderings": multi_layouts,
    "sign-agreement": sign_agreement,
    "scroll-text-2": scroll_text_2,
    "use-colorwheel": use_colorwheel,
    "use-colorwheel-2": use_colorwheel,
    "highlight-text": highlight_text,
    "highlight-text-2": highlight_text,
    "click-scroll-list": click_scroll_list,
    "button-delay": button_delay,
    "scroll-text": scroll_text,
    **{name: choose_date for name in ("choose-date", "choose-date-easy", "choose-date-medium", "choose-date-nodelay")},
}
