"""Solvers for MiniWoB tasks that are small puzzles: compare, count, order, classify, play a game."""

from __future__ import annotations

import colorsys
import re
from functools import lru_cache

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
    quoted,
    run_all,
    type_text,
)


def find_greatest(page: Page) -> Solution:
    """The cards' numbers are in the page text (drawn with a zero font size until a card is turned)."""
    cards = [n for n in page.all("div") if re.fullmatch(r"-?\d+", n.name)]
    page = yield click(max(cards, key=lambda n: int(n.name)))
    yield click(page.button("Submit"))


def ascending_numbers(page: Page) -> Solution:
    """Clicking 1 covers the numbers with blank boxes at the same places: remember where 2..5 were."""
    where = {int(n.name): n.at for n in page.all("text") if n.name.isdigit()}
    page = yield click(page.one("text", "1"))
    for number in range(2, len(where) + 1):
        x, y = where[number]  # type: ignore[misc]
        boxes = [b for b in page.all("rect") if b.at]
        box = min(boxes, key=lambda b: (b.at[0] - x) ** 2 + (b.at[1] - y) ** 2)  # type: ignore[index]
        page = yield click(box)


def grid_coordinate(page: Page) -> Solution:
    """The points form a 5 x 5 grid centred on the origin; y grows upwards."""
    x, y = (int(v) for v in match(r"\((-?\d+),(-?\d+)\)", page.goal).groups())
    points = [c for c in page.all("circle") if c.at]
    xs = sorted({c.at[0] for c in points})  # type: ignore[index]
    ys = sorted({c.at[1] for c in points})  # type: ignore[index]
    want = (xs[x + 2], ys[2 - y])
    yield click(next(c for c in points if c.at == want))


def odd_or_even(page: Page) -> Solution:
    numbers = [n for n in page.all("div") if re.fullmatch(r"-?\d+", n.name)]
    clicks = []
    for number in numbers:
        i = page.nodes.index(number)
        odd, even = page.nodes[i - 1], page.nodes[i + 1]
        clicks.append(click(odd if int(number.name) % 2 else even))
    page = yield chain(*clicks)
    yield click(page.button("Submit"))


def visual_addition(page: Page) -> Solution:
    blocks = [n for n in page.elements if "addition-block" in n.classes]
    page = yield type_text(page.one("textbox"), str(len(blocks)))
    yield click(page.button("Submit"))


def _hue(bg: str) -> float:
    r, g, b = parse_rgb(bg)
    return colorsys.rgb_to_hls(r / 255, g / 255, b / 255)[0] * 360


def click_shades(page: Page) -> Solution:
    """Shades are hsl(hue, s, l) with hue 0, 120 or 240: the colour's shades are the boxes of its hue."""
    hue = {"red": 0, "green": 120, "blue": 240}[match(r"shades of (\w+)", page.goal).group(1)]
    boxes = [n for n in page.all("span") if "bg" in n.attrs]
    wanted = [b for b in boxes if min(abs(_hue(b.attrs["bg"]) - hue), 360 - abs(_hue(b.attrs["bg"]) - hue)) < 30]
    page = yield chain(*[click(b) for b in wanted])
    yield click(page.button("Submit"))


# A small thesaurus (what a language model knows): each group holds words of one meaning.
SYNONYMS = [
    "big large huge enormous gigantic",
    "small tiny little mini petite",
    "red scarlet crimson vermillion",
    "happy cheerful joyful gleeful delighted",
    "sad unhappy sorrowful miserable tragic",
    "angry mad furious irritated",
    "evil wicked immoral sinful corrupt depraved",
    "wrong incorrect mistaken erroneous",
    "real genuine actual",
    "strange odd peculiar unusual weird",
    "stop cease halt end finish",
    "scared terrified panicked fearful frightened afraid",
    "quiet calm peaceful serene mild",
    "old aged archaic",
    "love like adore favor",
    "kill murder assassinate",
    "keep retain preserve sustain maintain",
    "hide conceal camouflage",
    "hate despise loathe detest dislike",
    "funny humorous amusing comical laughable",
    "fat fleshy plump chubby",
    "stupid dumb dull unwise",
    "delicious savory delectable appetizing",
    "cut slice carve chop",
    "brave courageous fearless",
    "begin start initiate launch",
    "answer reply response",
    "television televisions TV TVs",
    "house home houses homes",
    "fire flame fires flames",
    "pig pork swine",
    "rabbit rabbits bunny bunnies",
    "car cars automobile automobiles vehicle vehicles",
    "water",
]


def _meaning(word: str) -> int:
    return next((i for i, group in enumerate(SYNONYMS) if word in group.split()), -1)


def click_checkboxes_soft(page: Page) -> Solution:
    words = match(r"Select words similar to (.*) and click Submit\.", page.goal).group(1).split(", ")
    meanings = {_meaning(w) for w in words}
    page = yield chain(*[click(b) for b in page.all("checkbox") if _meaning(b.name) in meanings])
    yield click(page.button("Submit"))


# number-checkboxes shows the digit to draw only as an example image; these are the images' patterns
# (4 columns x 7 rows, 1 = checked), what an agent reads off the screenshot.
DIGITS = {
    0: ["0110", "1001", "1001", "1001", "1001", "1001", "0110"],
    1: ["0010", "0110", "0010", "0010", "0010", "0010", "0010"],
    2: ["0110", "1001", "1001", "0010", "0100", "1000", "1111"],
    3: ["0110", "1001", "0001", "0110", "0001", "1001", "0110"],
    4: ["1000", "1010", "1010", "1111", "0010", "0010", "0010"],
    5: ["1111", "1000", "1000", "1110", "0001", "1001", "0110"],
    6: ["0110", "1001", "1000", "1110", "1001", "1001", "0110"],
    7: ["1111", "1001", "0001", "0010", "0010", "0100", "0100"],
    8: ["0110", "1001", "1001", "0110", "1001", "1001", "0110"],
    9: ["0110", "1001", "1001", "0111", "0001", "1001", "0110"],
}


def number_checkboxes(page: Page) -> Solution:
    pattern = "".join(DIGITS[int(quoted(page.goal)[0])])
    boxes = page.all("checkbox")
    todo = [click(b) for b, bit in zip(boxes, pattern) if (bit == "1") != b.checked]
    page = yield from run_all(page, todo)
    yield click(page.button("Submit"))


def guess_number(page: Page) -> Solution:
    low, high = 0, 9
    while low <= high:
        guess = (low + high) // 2
        page = yield chain(type_text(page.one("spinbutton"), str(guess)), click(page.button("Submit")))
        said = " ".join(n.name for n in page.nodes)
        if f"higher than {guess}" in said:
            low = guess + 1
        elif f"lower than {guess}" in said:
            high = guess - 1
        else:
            raise SolverFailed(f"reference solution: no feedback on the guess {guess}: {said[:200]}")


def generate_number(page: Page) -> Solution:
    goal = page.goal

    def good(n: int) -> bool:
        if m := re.search(r"less than (\d+)", goal):
            return n < int(m.group(1))
        if m := re.search(r"greater than (\d+)", goal):
            return n > int(m.group(1))
        return n % 2 == (1 if "odd" in goal else 0)

    for _ in range(20):
        page = yield click(page.button("Generate"))
        shown = page.nodes[page.nodes.index(page.button("Generate")) - 1].name
        if shown.lstrip("-").isdigit() and good(int(shown)):
            break
    yield click(page.button("Submit"))


def click_widget(page: Page) -> Solution:
    kind = quoted(page.goal)[0]
    roles = {
        "radio": ("radio",),
        "checkbox": ("checkbox",),
        "button": ("button",),
        "text": ("textbox",),
        "textarea": ("textbox",),
    }[kind]
    for n in page.elements:
        if n.role in roles and (kind not in ("text", "textarea") or ("multiline" in n.flags) == (kind == "textarea")):
            yield click(n)
            return
    raise SolverFailed(f"reference solution: no {kind} widget")


def _size(n: Node) -> str:
    w, h = (float(v) for v in n.attrs["size"].split("x"))
    return "large" if max(w, h) >= 16 else "small"


def _colour(n: Node) -> str:
    rgb = parse_rgb(n.attrs["fill"])
    return next(name for name, value in CSS_COLOURS.items() if value == rgb and name in SHAPE_COLOURS)


SHAPE_COLOURS = ("red", "green", "blue", "aqua", "black", "magenta", "yellow")
SHAPE_OF_TAG = {"rect": "rectangle", "circle": "circle", "polygon": "triangle"}


def _matches(n: Node, desc: list[str]) -> bool:
    """Whether a shape fits a description such as 'large red circle', 'small digit', 'blue item', 'letter q'."""
    words = list(desc)
    if words and words[0] in ("large", "small"):
        if _size(n) != words.pop(0):
            return False
    if words and words[0] in SHAPE_COLOURS:
        if _colour(n) != words.pop(0):
            return False
    kind = " ".join(words)
    if n.role == "text":
        what = {"digit" if n.name.isdigit() else "letter", n.name}
    else:
        what = {"shape", SHAPE_OF_TAG[n.role]}
    return kind == "item" or kind in what


def _shapes(page: Page) -> list[Node]:
    return [n for n in page.elements if n.role in ("text", "rect", "circle", "polygon") and "fill" in n.attrs]


def click_shape(page: Page) -> Solution:
    desc = match(r"Click on a (.*)$", page.goal).group(1).split()
    yield click(next(n for n in _shapes(page) if _matches(n, desc)))


def count_shape(page: Page) -> Solution:
    desc = match(r"How many (.*)s are there\?", page.goal).group(1).split()
    yield click(page.button(str(sum(_matches(n, desc) for n in _shapes(page)))))


# ---------------------------------------------------------------------- tic-tac-toe

LINES = [(0, 1, 2), (3, 4, 5), (6, 7, 8), (0, 3, 6), (1, 4, 7), (2, 5, 8), (0, 4, 8), (2, 4, 6)]
RANDOM_MOVE = 0.55  # the page's opponent plays a random free square this often, else wins or blocks


def _won(board: str, mark: str) -> bool:
    return any(all(board[i] == mark for i in line) for line in LINES)


def _planned(board: str, mark: str) -> int | None:
    """The page's line check for ``mark`` (checkLeftHorizontal ... checkRightVertical, the last hit wins)."""
    g = board
    hits: list[int] = []
    for pos in range(3):  # left, middle, right horizontal: each scans the rows top to bottom
        for row in range(3):
            cells = [3 * row, 3 * row + 1, 3 * row + 2]
            target, others = cells[pos], [c for c in cells if c != cells[pos]]
            if g[target] == "." and all(g[c] == mark for c in others):
                hits.append(target)
                break
    diagonal = [(0, 4, 8), (4, 0, 8), (8, 0, 4), (2, 4, 6), (4, 2, 6), (6, 2, 4)]
    for target, a, b in diagonal:
        if g[target] == "." and g[a] == mark and g[b] == mark:
            hits.append(target)
            break
    for col in range(3):  # left, middle, right vertical
        cells = [col, col + 3, col + 6]
        for target in cells:
            others = [c for c in cells if c != target]
            if g[target] == "." and all(g[c] == mark for c in others):
                hits.append(target)
                break
    return hits[-1] if hits else None


def _opponent_moves(board: str) -> list[tuple[float, int]]:
    """(probability, square) of the page's opponent: a random free square with RANDOM_MOVE, otherwise
    the square completing its own line, else the one blocking ours, else random."""
    free = [i for i, c in enumerate(board) if c == "."]
    planned = _planned(board, "o")
    if planned is None:
        planned = _planned(board, "x")
    moves = [(RANDOM_MOVE / len(free), i) for i in free]
    if planned is not None:
        moves.append((1 - RANDOM_MOVE, planned))
    else:
        moves += [((1 - RANDOM_MOVE) / len(free), i) for i in free]
    return moves


@lru_cache(maxsize=None)
def _win_chance(board: str) -> tuple[float, int]:
    """The best chance to win from here with X to move, and the square that gives it (expectimax)."""
    best = (-1.0, -1)
    for i in (i for i, c in enumerate(board) if c == "."):
        after = board[:i] + "x" + board[i + 1 :]
        if _won(after, "x"):
            return 1.0, i
        if "." not in after:
            chance = 0.0
        else:
            chance = 0.0
            for p, j in _opponent_moves(after):
                reply = after[:j] + "o" + after[j + 1 :]
                if not _won(reply, "o") and "." in reply:
                    chance += p * _win_chance(reply)[0]
        best = max(best, (chance, i))
    return best


def tic_tac_toe(page: Page) -> Solution:
    while True:
        cells = [n for n in page.all("span") if n.at][:9]
        board = "".join("x" if "mark-x" in c.classes else "o" if "mark-o" in c.classes else "." for c in cells)
        page = yield click(cells[_win_chance(board)[1]])


def simon_says(page: Page) -> Solution:
    """Watch the buttons light up one after the other, then press them in that order. A lit button
    shows another background and the class "push" (both in the page text) for a quarter of a
    second, one every 0.6 s. Each action waits for the next one to light up (a wait on the
    selector ``button.push`` ends on the change), then asks, button by button, "is this one not
    lit?" (``wait(..., gone=True)`` with a 1 ms limit): the first that fails is the lit one, read
    at once in the page however slow the machine is. When none lights up for 1.5 s the sequence is
    over."""
    buttons = [n for n in page.all("button") if not n.name]
    order: list[int] = []

    def probe(k: int) -> Action:
        return Action.call("wait", selector=f"button.push:nth-of-type({k + 1})", gone=True, timeout_ms=1)

    for _ in range(8):
        page = yield chain(
            Action.call("wait", selector="button.push", gone=True, timeout_ms=1000),
            Action.call("wait", selector="button.push", timeout_ms=1500),
            *[probe(k) for k in range(len(buttons))],
        )
        ok = sum(r == "ok" for r in page.replies)
        if ok < 2:
            break
        if ok - 2 >= len(buttons):  # the blink ended before the probes: read the page instead
            raise SolverFailed("reference solution: a button lit up and went dark before it could be told apart")
        order.append(buttons[ok - 2].id)  # type: ignore[arg-type]
    yield chain(*[click(next(b for b in buttons if b.id == i)) for i in order])


SOLVERS = {
    "find-greatest": find_greatest,
    "ascending-numbers": ascending_numbers,
    "grid-coordinate": grid_coordinate,
    "odd-or-even": odd_or_even,
    "visual-addition": visual_addition,
    "click-shades": click_shades,
    "click-checkboxes-soft": click_checkboxes_soft,
    "number-checkboxes": number_checkboxes,
    "guess-number": guess_number,
    "generate-number": generate_number,
    "click-widget": click_widget,
    "click-shape": click_shape,
    "count-shape": count_shape,
    "tic-tac-toe": tic_tac_toe,
    "simon-says": simon_says,
}
