"""Scripted solutions for MiniWoB++ tasks (the oracle for those tasks; other MiniWoB tasks have none).

Each solver reads the goal and the page's elements and returns the next step (see ``oracle.py``).
They work for every seed because they parse the generated problem, not a fixed answer.

Example:
    >>> from envgym_web.observe import Element
    >>> SOLVERS["click-button"]('Click on the "Ok" button.', [Element(3, "button", "Ok", "")], 0)
    ('click', 'button', 'Ok')
"""

from __future__ import annotations

import re
from typing import Any, Callable, Sequence

from envgym_web.observe import Element

Step = tuple[Any, ...]
Solver = Callable[[str, list[Element], int], Step]


def _quoted(goal: str) -> list[str]:
    return re.findall(r'"([^"]*)"', goal)


def _by_role(elements: Sequence[Element], role: str) -> list[Element]:
    return [e for e in elements if e.role == role]


def _submit(name: str = "Submit") -> Step:
    return ("click", "button", name)


def click_test(goal: str, elements: list[Element], turn: int) -> Step:
    return ("click", "button", "Click Me!")


def click_button(goal: str, elements: list[Element], turn: int) -> Step:
    return ("click", "button", _quoted(goal)[0])


def click_test_2(goal: str, elements: list[Element], turn: int) -> Step:
    return ("click", "button", re.search(r"button (\w+)", goal).group(1))  # type: ignore[union-attr]


def click_link(goal: str, elements: list[Element], turn: int) -> Step:
    return ("click", "span", _quoted(goal)[0])


def enter_text(goal: str, elements: list[Element], turn: int) -> Step:
    if turn == 0:
        return ("type", "textbox", "", _quoted(goal)[0], False)
    return _submit()


def focus_text(goal: str, elements: list[Element], turn: int) -> Step:
    return ("click", "textbox", "")


def click_checkboxes(goal: str, elements: list[Element], turn: int) -> Step:
    m = re.match(r"Select (.*) and click Submit\.", goal)
    wanted = [] if not m or m.group(1) == "nothing" else m.group(1).split(", ")
    for box in _by_role(elements, "checkbox"):
        if box.name in wanted and "unchecked" in box.rest.split():
            return ("click", "checkbox", box.name)
    return _submit()


def click_option(goal: str, elements: list[Element], turn: int) -> Step:
    target = re.match(r"Select (.*) and click Submit\.", goal).group(1)  # type: ignore[union-attr]
    if turn == 0:
        return ("click", "radio", target)
    return _submit()


def login_user(goal: str, elements: list[Element], turn: int) -> Step:
    user, password = _quoted(goal)[:2]
    return [("type", "textbox", "Username", user, False), ("type", "textbox", "Password", password, False),
            _submit("Login")][min(turn, 2)]


def enter_password(goal: str, elements: list[Element], turn: int) -> Step:
    password = _quoted(goal)[0]
    return [("type", "textbox", "Password", password, False), ("type", "textbox", "Verify password", password, False),
            _submit()][min(turn, 2)]


def choose_list(goal: str, elements: list[Element], turn: int) -> Step:
    target = re.match(r"Select (.*) from the list and click Submit\.", goal).group(1)  # type: ignore[union-attr]
    if turn == 0:
        return ("select", "combobox", "", target)
    return _submit()


def click_dialog(goal: str, elements: list[Element], turn: int) -> Step:
    return ("click", "button", "Close")


def click_tab(goal: str, elements: list[Element], turn: int) -> Step:
    return ("click", "tab", re.search(r"Tab #\d", goal).group(0))  # type: ignore[union-attr]


def click_button_sequence(goal: str, elements: list[Element], turn: int) -> Step:
    return ("click", "button", "ONE" if turn == 0 else "TWO")


def simple_arithmetic(goal: str, elements: list[Element], turn: int) -> Step:
    if turn == 0:
        problem = next(e.name for e in elements if re.fullmatch(r"\d+ [-+x] \d+ =", e.name))
        a, op, b, _ = problem.split()
        value = {"+": int(a) + int(b), "-": int(a) - int(b), "x": int(a) * int(b)}[op]
        return ("type", "textbox", "", str(value), False)
    return _submit()


SOLVERS: dict[str, Solver] = {
    "click-test": click_test, "click-test-2": click_test_2, "click-button": click_button, "click-link": click_link,
    "enter-text": enter_text, "focus-text": focus_text, "click-checkboxes": click_checkboxes,
    "click-option": click_option, "login-user": login_user, "enter-password": enter_password,
    "choose-list": choose_list, "click-dialog": click_dialog, "click-tab": click_tab,
    "click-button-sequence": click_button_sequence, "simple-arithmetic": simple_arithmetic,
}
