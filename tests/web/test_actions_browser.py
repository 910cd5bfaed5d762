"""Every action and observation mode in a real Chromium, on a fixture page served at the shop's origin
(the browser context routes /fixture to tests/web/pages/fixture.html)."""

from __future__ import annotations

import asyncio
import base64
import io
from pathlib import Path

import pytest
from PIL import Image
from web_helpers import NEEDS_CHROMIUM, SHARED, element, shop

from envgym.protocol import Action, EpisodeStatus
from envgym.protocol.errors import InvalidRequest
from envgym_web.environment import WebEnvironment

pytestmark = NEEDS_CHROMIUM
FIXTURE = (Path(__file__).parent / "pages" / "fixture.html").read_text()
SECOND = "<!DOCTYPE html><title>Second page</title><p>The second page.</p>"


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "orange").save(out, "PNG")
    return out.getvalue()


async def slow_image(route) -> None:
    await asyncio.sleep(0.3)  # a hover image that takes a moment to load
    await route.fulfill(body=png(30, 30), content_type="image/png")


async def open_fixture(**options):
    env = WebEnvironment("shop", context=SHARED, options={"max_turns": 80, **options})
    await env.reset(shop("order-count"))
    context = env.driver.page.context

    async def routes() -> None:
        await context.route("**/fixture", lambda route: route.fulfill(body=FIXTURE, content_type="text/html"))
        await context.route("**/fixture-2", lambda route: route.fulfill(body=SECOND, content_type="text/html"))
        await context.route("**/nocontent", lambda route: route.fulfill(status=204))
        await context.route("**/hover.png", slow_image)

    await env.runtime.run(routes())
    page = await env.step(Action.call("goto", url="/fixture"))
    assert page.observation.data["title"] == "Fixture"
    return env, page


async def act(env, name, **args):
    step = await env.step(Action.call(name, **args))
    assert not step.done, step.info
    return step


def title(step) -> str:
    return step.observation.data["title"]


async def test_a_click_lands_on_the_visible_part_of_a_partly_covered_element():
    env, page = await open_fixture()
    try:
        step = await act(env, "click", id=element(page, "button", "Under"))  # its centre is under "Cover"
        assert title(step) == "under clicked" and step.observation.data["error"] is None
        assert env.driver.fallbacks == 0
        step = await act(env, "click", id=element(page, "button", "Under"), count=2)
        assert title(step) == "under double-clicked"
    finally:
        await env.close()


async def test_a_click_waits_for_hover_styles_that_change_the_element_under_the_mouse():
    # .more:hover swaps the element's content for an image that is empty while it loads: a press at
    # once lands on the parent and the click goes to the parent (social-media's menus never opened).
    env, page = await open_fixture()
    try:
        step = await act(env, "click", id=element(page, "span", "More"))
        assert title(step) == "more clicked"
    finally:
        await env.close()


async def test_coordinate_click_hover_and_a_drag_with_intermediate_moves():
    env, page = await open_fixture()
    try:
        assert await act(env, "hover_at", x=500, y=50) and title(await act(env, "wait", ms=1)) == "pad hovered"
        assert title(await act(env, "click_at", x=450, y=40)) == "pad at 450,40"
        stroke = await act(env, "drag", from_x=430, from_y=20, to_x=600, to_y=90, via=[[500, 100]], steps=4)
        assert title(stroke) == "stroke of 8 moves"  # 4 moves to the via point, 4 more to the end
        drop = await act(env, "drag", from_id=element(page, "div", ""), to_x=340, to_y=40)  # HTML5 drag and drop
        assert title(drop) == "dropped"
        outside = await act(env, "click_at", x=5000, y=10)
        assert "outside the viewport (1024x768" in outside.observation.data["error"]
    finally:
        await env.close()


async def test_select_text_multi_select_and_key_chords():
    env, page = await open_fixture()
    try:
        para = element(page, "p", "The quick brown fox jumps over the lazy dog.")
        assert title(await act(env, "select_text", id=para)) == "selected: The quick brown fox jumps over the lazy dog."
        assert title(await act(env, "select_text", id=para, text="brown fox")) == "selected: brown fox"
        missing = await act(env, "select_text", id=para, text="cat")
        assert '"cat" is not in the text' in missing.observation.data["error"]
        colours = element(page, "listbox", "Colours")
        step = await act(env, "select", id=colours, option=["Red", "Blue"])
        assert f'[{colours}] listbox "Colours" value="Red, Blue"' in step.observation.data["page"]
        assert "multiple" in step.observation.data["page"]
        assert title(await act(env, "press", key="ctrl+b", id=element(page, "textbox", "Keys"))) == "chord"
        unknown = await env.step(Action.call("press", key="Ctrl+Banana"))
        assert "unknown key 'Banana'" in unknown.observation.messages[0].text()
    finally:
        await env.close()


async def test_wait_ends_on_the_change_and_reports_a_timeout():
    env, page = await open_fixture()
    try:
        await act(env, "click", id=element(page, "button", "Save"))
        step = await act(env, "wait", text="saved AT last")
        assert step.observation.data["error"] is None and "Saved at last" in step.observation.data["page"]
        gone = await act(env, "wait", selector="#cover", gone=True, timeout_ms=200)
        assert gone.observation.data["error"] == "wait(): an element matching '#cover' is still there after 200 ms"
        bad = await act(env, "wait", selector="[[", timeout_ms=200)
        assert "invalid CSS selector" in bad.observation.data["error"]
        nothing = await act(env, "wait", navigation=True, timeout_ms=200)
        assert nothing.observation.data["error"] == "wait(): no new page within 200 ms"
    finally:
        await env.close()


async def test_a_navigation_answered_204_does_not_hold_the_step():
    env, page = await open_fixture()
    try:
        step = await act(env, "click", id=element(page, "link", "No content"))
        assert step.observation.data["error"] is None and step.observation.data["url"].endswith("/fixture")
        assert env.driver.cancelled == 1 and env.driver.settle_timeouts == 0  # ended on the event, not the deadline
        # and the next action does not wait for it again
        await act(env, "click", id=element(page, "button", "Under"))
        assert env.driver.settle_timeouts == 0
    finally:
        await env.close()


async def test_tabs_open_switch_and_close():
    env, page = await open_fixture()
    try:
        popup = await act(env, "click", id=element(page, "link", "Second page in a new tab"))
        assert title(popup) == "Second page" and popup.observation.data["active_tab"] == 1
        assert "Tabs: [0] 'Fixture' | [1] 'Second page' (active)" in popup.observation.data["page"]
        assert "a new tab opened" in popup.observation.data["page"]
        assert title(await act(env, "switch_tab", index=0)) == "Fixture"
        opened = await act(env, "new_tab", url="/orders")
        assert title(opened).startswith("Your orders") and len(opened.observation.data["tabs"]) == 3
        refused = await act(env, "new_tab", url="http://example.com/")
        assert "goto refused" in refused.observation.data["error"] and len(refused.observation.data["tabs"]) == 3
        closed = await act(env, "close_tab")
        assert len(closed.observation.data["tabs"]) == 2 and title(closed) == "Second page"
        await act(env, "close_tab", index=1)
        last = await act(env, "close_tab")
        assert "last tab" in last.observation.data["error"] and title(last) == "Fixture"
    finally:
        await env.close()


async def test_elements_inside_an_iframe_have_ids_and_take_actions():
    env, page = await open_fixture()
    try:
        text = page.observation.data["page"]
        assert 'iframe "Inner"' in text
        assert title(await act(env, "click", id=element(page, "button", "Inner button"))) == "inner clicked"
        typed = await act(env, "type", id=element(page, "textbox", "Inner field"), text="hello")
        assert 'textbox "Inner field" value="hello"' in typed.observation.data["page"]
    finally:
        await env.close()


async def test_scroll_an_element_the_page_or_under_a_point():
    env, page = await open_fixture()
    try:
        scroller = element(page, "div", "Scroller")
        assert title(await act(env, "scroll", direction="down", id=scroller, pixels=50)) == "scrolled to 50"
        assert title(await act(env, "scroll", direction="up", id=scroller, pixels=50)) == "scrolled to 0"
        # the mouse wheel over the element scrolls it too (Chromium scrolls asynchronously: wait for it)
        await act(env, "scroll", direction="down", x=100, y=130 + 240, pixels=30)
        assert "scrolled to" in title(await act(env, "wait", selector="title", timeout_ms=1))
    finally:
        await env.close()


async def test_send_message_keeps_the_episode_going_and_answers_a_question_at_done():
    env = WebEnvironment("shop", context=SHARED)
    try:
        await env.reset(shop("order-count"))
        step = await act(env, "send_message", text="You have placed 3 orders.")
        assert step.observation.data["messages_sent"] == ["You have placed 3 orders."]
        final = await env.step(Action.call("done"))
        assert final.done and final.reward == 1.0 and final.status is EpisodeStatus.completed
    finally:
        await env.close()


async def test_observation_modes_pruned_dom_screenshot_and_set_of_marks():
    env, page = await open_fixture(observation=["dom", "som"])
    try:
        text = page.observation.data["page"]
        assert '<button bid="' in text and 'id="under"' in text and "<script" not in text
        assert '<iframe title="Inner"' in text and "Inner button" in text  # inlined same-origin frame
        image = Image.open(io.BytesIO(base64.b64decode(page.observation.image)))
        assert image.size == (1024, 768)
        assert env.driver.last_boxes and all(w > 0 and h > 0 for _, _, w, h in env.driver.last_boxes.values())
        # the mark of each element is drawn in its own colour at the top left of its box
        marked = [(i, b) for i, b in env.driver.last_boxes.items() if b[1] >= 14][:3]
        plain = await env.runtime.run(env.driver.screenshot())
        raw = Image.open(io.BytesIO(plain)).convert("RGB")
        for _, (x, y, w, h) in marked:
            assert image.convert("RGB").getpixel((x, y)) != raw.getpixel((x, y))
    finally:
        await env.close()

    env = WebEnvironment("shop", context=SHARED, options={"observation": "screenshot"})
    try:
        reset = await env.reset(shop("order-count"))
        assert reset.observation.image and "(the page is shown in the screenshot)" in reset.observation.data["page"]
    finally:
        await env.close()

    with pytest.raises(InvalidRequest, match="observation must be one of"):
        await WebEnvironment("shop", context=SHARED, options={"observation": "video"}).reset(shop("order-count"))
