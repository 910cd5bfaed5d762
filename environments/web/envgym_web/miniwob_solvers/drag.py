"""Solvers for MiniWoB tasks done with the mouse: dragging, sorting by drag and drop, resizing."""

from __future__ import annotations

import re
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
    hover_at,
    match,
    type_text,
    wait,
)

STEP = {"left": (-1, 0), "right": (1, 0), "up": (0, -1), "down": (0, 1)}


def drag(
    source: Node | None = None,
    target: Node | None = None,
    *,
    start: tuple[float, float] | None = None,
    end: tuple[float, float] | None = None,
    steps: int = 10,
) -> Action:
    """A drag from an element (its centre) or a point to an element or a point."""
    args: dict = {"steps": steps}
    if source is not None:
        args["from_id"] = source.id
    else:
        args["from_x"], args["from_y"] = start  # type: ignore[misc]
    if target is not None:
        args["to_id"] = target.id
    else:
        args["to_x"], args["to_y"] = end  # type: ignore[misc]
    return Action.call("drag", **args)


def drag_shape(page: Page) -> Solution:
    """drag-circle, drag-single-shape: move the only shape 30 px the asked way, then Submit."""
    direction = match(r"Drag the (?:circle|item) (\w+)", page.goal).group(1)
    shape = next(n for n in page.elements if n.role in ("circle", "rect", "polygon"))
    x, y = shape.at  # type: ignore[misc]
    dx, dy = STEP[direction]
    yield chain(drag(shape, start=None, end=(x + 30 * dx, y + 30 * dy)), click(page.button("Submit")))


def drag_box(page: Page) -> Solution:
    """Centre the small box on the large one: it then lies inside it."""
    yield chain(drag(page.one("div", "s"), page.one("div", "L")), click(page.button("Submit")))


def _rows(page: Page) -> list[tuple[Node, tuple[float, float]]]:
    """(item, where its handle icon is) for each row of a sortable list with drag handles."""
    out = []
    for icon in (n for n in page.all("span") if "ui-icon-arrowthick-2-n-s" in n.classes):
        i = page.nodes.index(icon)
        out.append((page.nodes[i + 1], icon.at))
    return out  # type: ignore[return-value]


def _move_row(page: Page, rows: list[tuple[Node, tuple[float, float]]], src: int, dst: int) -> Action:
    """Drag row ``src`` to position ``dst`` (0-based): drop it just past the middle of the row it
    replaces, so that the list makes room on the right side."""
    item, (x, y) = rows[src]
    _, (_, ty) = rows[dst]
    nudge = 6 if dst > src else -6
    return drag(item, end=(x + 40, ty + nudge), steps=15)


def drag_items(page: Page) -> Solution:
    m = match(
        r"Drag (.+) (to the top|to the bottom|down by one position|up by one position|to the (\d)\w\w position)\.",
        page.goal,
    )
    name, where = m.group(1), m.group(2)
    rows = _rows(page)
    src = next(i for i, (n, _) in enumerate(rows) if n.name == name)
    dst = {
        "to the top": 0,
        "to the bottom": len(rows) - 1,
        "down by one position": src + 1,
        "up by one position": src - 1,
    }.get(where, int(m.group(3) or 1) - 1)
    yield _move_row(page, rows, src, dst)


def drag_sort_numbers(page: Page) -> Solution:
    """Selection sort by dragging: put the smallest remaining number on top of the unsorted part."""
    for _ in range(8):
        rows = _rows(page)
        values = [int(n.name) for n, _ in rows]
        todo = next((i for i in range(len(values)) if values[i] != sorted(values)[i]), None)
        if todo is None:
            break
        smallest = min(range(todo, len(values)), key=lambda j: values[j])
        page = yield _move_row(page, rows, smallest, todo)
    yield click(page.button("Submit"))


GRID = {
    "top left": 1,
    "top center": 2,
    "top right": 3,
    "center left": 4,
    "center": 5,
    "center right": 6,
    "bottom left": 7,
    "bottom center": 8,
    "bottom right": 9,
}


def drag_items_grid(page: Page) -> Solution:
    """A jQuery UI sortable grid puts the dragged item after the item under the pointer when the
    last move went right (and the pointer is over that item's right half), before it when it went
    left. So the drag runs through the 6 px gaps between the 40 px cells (touching no other item)
    to the target's side and ends with a horizontal move into it: from its left when the item goes
    later in the order, from its right when it goes earlier."""
    name, where = match(r"Drag (.+?) (to the .+|up by one|down by one|left by one|right by one)\.", page.goal).groups()
    items = [n for n in page.all("div") if n.name and n.at and not n.name.startswith(("Drag", "Submit"))][-9:]
    src = next(i for i, n in enumerate(items) if n.name == name)
    dst = {"up by one": src - 3, "down by one": src + 3, "left by one": src - 1, "right by one": src + 1}.get(
        where, GRID.get(where.removeprefix("to the "), 0) - 1
    )
    cell_top = {
        row: min(n.at[1] - float(n.attrs["size"].split("x")[1]) / 2 - 3 for n in items[row * 3 : row * 3 + 3])
        for row in range(3)
    }  # type: ignore[index]
    (sx, sy), (tx, ty) = items[src].at, items[dst].at  # type: ignore[misc]
    side = -23 if dst > src else 23  # the gap beside the target we come from
    gap_y = cell_top[dst // 3] - 3  # the gap above the target's row
    via = [[sx + side, sy], [sx + side, gap_y], [tx + side, gap_y], [tx + side, ty]]
    end = (tx + (10 if dst > src else -10), ty)
    yield Action.call("drag", from_id=items[src].id, to_x=end[0], to_y=end[1], via=via, steps=4)


def resize_textarea(page: Page) -> Solution:
    """Drag the corner handle 20 px along the asked dimension (in to shrink, out to grow)."""
    dim, direction = match(r"the (width|height) is (smaller|larger)", page.goal).groups()
    handle = next(n for n in page.all("div") if "ui-resizable-se" in n.classes)
    x, y = handle.at  # type: ignore[misc]
    d = 20 if direction == "larger" else -20
    end = (x, y + d) if dim == "height" else (x + d, y)
    yield chain(drag(start=(x, y), end=end), click(page.button("Submit")))


TAG_OF = {"circles": "circle", "rectangles": "rect", "triangles": "polygon"}


def _boxes(page: Page) -> list[Node]:
    """The target boxes: unfilled rectangles (no fill=), left to right."""
    return sorted((n for n in page.all("rect") if "fill" not in n.attrs), key=lambda n: n.at[0])  # type: ignore[index]


def _spots(box: Node, count: int) -> list[tuple[float, float]]:
    """Distinct drop points inside a box, so that dropped shapes do not pile up on each other."""
    (x, y), (w, h) = box.at, (float(v) for v in box.attrs["size"].split("x"))  # type: ignore[misc]
    xs = [x - w / 5, x, x + w / 5]
    ys = [y - h / 6, y + h / 6]
    return [(xs[i % 3], ys[(i // 3) % 2]) for i in range(count)]


def _shapes(page: Page) -> list[Node]:
    return [n for n in page.elements if n.role in ("circle", "rect", "polygon") and "fill" in n.attrs]


def drag_shapes(page: Page) -> Solution:
    """The shapes a drag drops at the mouse (their box's corner follows it), so drop them around
    the box's centre."""
    tag = TAG_OF[match(r"Drag all (\w+) into the black box", page.goal).group(1)]
    moving = [n for n in _shapes(page) if n.role == tag]
    spots = _spots(_boxes(page)[0], len(moving))
    yield chain(*[drag(n, end=spot) for n, spot in zip(moving, spots)], click(page.button("Submit")))


def drag_shapes_2(page: Page) -> Solution:
    what = match(r"Drag all (.+?) into the left box", page.goal).group(1)
    if what in TAG_OF:
        left = [n for n in _shapes(page) if n.role == TAG_OF[what]]
    else:
        rgb = CSS_COLOURS[what.removesuffix(" shapes")]
        left = [n for n in _shapes(page) if parse_rgb(n.attrs["fill"]) == rgb]
    right = [n for n in _shapes(page) if n not in left]
    boxes = _boxes(page)
    moves = [drag(n, end=spot) for n, spot in zip(left, _spots(boxes[0], len(left)))]
    moves += [drag(n, end=spot) for n, spot in zip(right, _spots(boxes[1], len(right)))]
    yield chain(*moves, click(page.button("Submit")))


def draw_line(page: Page) -> Solution:
    """A straight stroke 50 px long through the dot, along the asked direction (the dot is at least
    26 px from the drawing's edges; a stroke must start on it)."""
    x, y = page.one("circle").at  # type: ignore[misc]
    if "vertical" in page.goal:
        start, end = (x, y - 25), (x, y + 25)
    else:
        start, end = (x - 25, y), (x + 25, y)
    yield chain(drag(start=start, end=end, steps=8), click(page.button("Submit")))


def draw_circle(page: Page) -> Solution:
    """A stroke along a 25 px circle around the marked point (24 points, closed). The drawing is
    about 150 x 110 px with its middle near (77, 107)."""
    import math

    x, y = page.one("circle").at  # type: ignore[misc]
    # Start on the side facing the drawing's middle: a stroke has to start inside the drawing.
    start = math.atan2(107 - y, 77 - x)
    ring = [
        (x + 25 * math.cos(start + 2 * math.pi * k / 24), y + 25 * math.sin(start + 2 * math.pi * k / 24))
        for k in range(25)
    ]
    stroke = Action.call(
        "drag",
        from_x=ring[0][0],
        from_y=ring[0][1],
        to_x=ring[-1][0],
        to_y=ring[-1][1],
        via=[list(p) for p in ring[1:-1]],
        steps=2,
    )
    yield chain(stroke, click(page.button("Submit")))


def hot_cold(page: Page) -> Solution:
    """Move the mouse over a grid and read the hint (COLD within 40 px, WARM within 10, HOT within
    5), narrowing the grid around the hint each time; click where it says HOT.

    While looking for COLD and WARM, several probes go in one action: after each move, a ``wait``
    for the hint that means "not there yet" succeeds at once and fails (ending the action) when a
    closer hint shows, so the replies tell which probe found it. "HOT" is also a word of the goal,
    so the last stage looks at the page after each probe."""
    area = next(n for n in page.all("div") if not n.name and n.at)
    (cx, cy), (w, h) = area.at, (float(v) for v in area.attrs["size"].split("x"))  # type: ignore[misc]
    box = (cx - w / 2 + 2, cy - h / 2 + 2, cx + w / 2 - 2, cy + h / 2 - 2)
    # (text whose presence means "keep looking", grid spacing, how far the target can be from the
    # probe that ends the stage)
    for text, spacing, reach in (("ICE COLD", 50, 40), ("COLD", 13, 10)):
        found = None
        points = _grid(box, spacing)
        for i in range(0, len(points), 9):
            batch = points[i : i + 9]
            calls = []
            for x, y in batch:
                calls += [hover_at(x, y), wait(text=text, timeout_ms=150)]
            page = yield chain(*calls)
            ok = sum(r == "ok" for r in page.replies)
            if ok < len(calls):
                found = batch[ok // 2]
                break
        if found is None:
            raise SolverFailed(f"reference solution: no probe got closer than {text!r}")
        x, y = found
        box = (max(box[0], x - reach), max(box[1], y - reach), min(box[2], x + reach), min(box[3], y + reach))
    for x, y in _grid(box, 6.5):
        page = yield hover_at(x, y)
        if page.has(None, "HOT"):
            yield Action.call("click_at", x=x, y=y)
            return
    raise SolverFailed("reference solution: no probe was HOT")


def _grid(box: tuple[float, float, float, float], spacing: float) -> list[tuple[float, float]]:
    """Points covering the box so that every spot is within spacing/sqrt(2) of one of them."""
    x0, y0, x1, y1 = box
    nx, ny = max(1, int((x1 - x0) // spacing) + 1), max(1, int((y1 - y0) // spacing) + 1)
    xs = [x0 + (x1 - x0) * (i + 0.5) / nx for i in range(nx)]
    ys = [y0 + (y1 - y0) * (j + 0.5) / ny for j in range(ny)]
    return [(round(x), round(y)) for y in ys for x in xs]


def _place(page: Page, target: tuple[float, float]) -> Iterator[Action]:
    """Click a point of the drawing, then correct for where the page put it: it marks the clicked
    point with a new dot, which lands a couple of pixels off the mouse (the page assumes the drawing
    starts at (0, 50)); click again shifted by that much. Returns the last page."""
    before = {n.id for n in page.all("circle")}
    page = yield Action.call("click_at", x=round(target[0]), y=round(target[1]))
    marks = [n for n in page.all("circle") if n.id not in before and n.at]
    if marks:
        (mx, my) = marks[0].at  # type: ignore[misc]
        page = yield Action.call("click_at", x=round(2 * target[0] - mx), y=round(2 * target[1] - my))
    return page


def _submit_at(page: Page, target: tuple[float, float]) -> Solution:
    page = yield from _place(page, target)
    yield click(page.button("Submit"))


def circle_center(page: Page) -> Solution:
    circle = next(n for n in page.all("circle") if n.attrs.get("fill") == "rgb(255,255,255)")
    yield from _submit_at(page, circle.at)  # type: ignore[arg-type]


def find_midpoint(page: Page) -> Solution:
    (ax, ay), (bx, by) = (c.at for c in page.all("circle")[:2])  # type: ignore[misc]
    yield from _submit_at(page, ((ax + bx) / 2, (ay + by) / 2))


def _along(x: float, y: float, dx: float, dy: float) -> tuple[float, float]:
    """The point farthest along (dx, dy) from (x, y), up to 70 px, still inside the drawing (about
    150 x 130 px from (2, 52)), trying the opposite way too: far points make angles precise."""
    norm = (dx * dx + dy * dy) ** 0.5
    best = (x, y)
    for sign in (1, -1):
        for length in range(70, 9, -5):
            px, py = x + sign * length * dx / norm, y + sign * length * dy / norm
            if 10 <= px <= 144 and 62 <= py <= 174:
                if length > ((best[0] - x) ** 2 + (best[1] - y) ** 2) ** 0.5:
                    best = (px, py)
                break
    return best


def _dots(page: Page) -> tuple[tuple[float, float], list[tuple[float, float]]]:
    """The blue vertex and the black points."""
    dots = [n for n in page.all("circle") if n.at]
    vertex = next(n for n in dots if n.attrs.get("fill") == "rgb(0,0,255)")
    return vertex.at, [n.at for n in dots if n is not vertex]  # type: ignore[return-value]


def right_angle(page: Page) -> Solution:
    """The third point goes on the perpendicular to the drawn segment at the blue dot."""
    (vx, vy), others = _dots(page)
    ax, ay = others[0]
    yield from _submit_at(page, _along(vx, vy, -(ay - vy), ax - vx))


def bisect_angle(page: Page) -> Solution:
    """The bisector's direction is the sum of the unit vectors along the two arms."""
    (vx, vy), arms = _dots(page)
    dx = sum((ax - vx) / ((ax - vx) ** 2 + (ay - vy) ** 2) ** 0.5 for ax, ay in arms)
    dy = sum((ay - vy) / ((ax - vx) ** 2 + (ay - vy) ** 2) ** 0.5 for ax, ay in arms)
    x, y = _along(vx, vy, dx, dy)
    if (x - vx) * dx + (y - vy) * dy < 0:  # only the far side fits: the bisector is a half-line
        raise SolverFailed("reference solution: the bisector leaves the drawing at once")
    yield from _submit_at(page, (x, y))


WINDOWS = {"8AM": 16, "12PM": 24, "4PM": 32}  # first half-hour slot of each window; a window has 8


def _extent(n: Node) -> tuple[float, float]:
    """(top, bottom) of an element from its at= and size=."""
    y, h = n.at[1], float(n.attrs["size"].split("x")[1])  # type: ignore[index]
    return y - h / 2, y + h / 2


def daily_calendar(page: Page) -> Solution:
    """Drag over free half-hour slots inside the window (existing events cover some), name the new
    event, create it."""
    m = match(r'Create a (.+?) event named "(.+)", between (\w+) and \w+\.', page.goal)
    length, name, start = m.groups()
    minutes = float(re.match(r"[\d.]+", length).group(0)) * (60 if "hour" in length else 1)  # type: ignore[union-attr]
    count = round(minutes / 30)
    slots = [n for n in page.all("div") if "half-hour" in n.classes]
    events = [n for n in page.all("div") if n.name and "size" in n.attrs and n.name in EVENT_NAMES]
    busy = {i for i, slot in enumerate(slots) for e in events if _extent(e)[0] - 1 < slot.at[1] < _extent(e)[1] + 1}  # type: ignore[index]
    first = WINDOWS[start]
    begin = next(i for i in range(first, first + 9 - count) if not busy & set(range(i, i + count)))
    # Bring the slots into view (the calendar scrolls), then drag from inside the first to inside
    # the last: the page draws the new event on mouse moves over slots, so even a one-slot event
    # needs a move.
    page = yield Action.call("hover", id=slots[begin].id)
    slots = [n for n in page.all("div") if "half-hour" in n.classes]
    (x, y0), (_, y1) = slots[begin].at, slots[begin + count - 1].at  # type: ignore[misc]
    page = yield drag(start=(x, y0 - 5), end=(x, y1 + 5), steps=6)
    if not page.has("textbox", "Event name"):
        # The page draws the new event a little above the slots (its own offsets) and only opens
        # the naming form on a mouse release over that event: release on it.
        page = yield click(page.one("div", "New event"))
    page = yield type_text(page.one("textbox", "Event name"), name)
    yield click(page.button("Create"))


EVENT_NAMES = {"Phonecall", "Food", "Party", "Meeting", "Gym"}


SOLVERS = {
    "drag-circle": drag_shape,
    "drag-single-shape": drag_shape,
    "drag-box": drag_box,
    "drag-items": drag_items,
    "drag-sort-numbers": drag_sort_numbers,
    "drag-items-grid": drag_items_grid,
    "resize-textarea": resize_textarea,
    "drag-shapes": drag_shapes,
    "drag-shapes-2": drag_shapes_2,
    "find-midpoint": find_midpoint,
    "draw-line": draw_line,
    "draw-circle": draw_circle,
    "hot-cold": hot_cold,
    "circle-center": circle_center,
    "right-angle": right_angle,
    "bisect-angle": bisect_angle,
    "daily-calendar": daily_calendar,
}
