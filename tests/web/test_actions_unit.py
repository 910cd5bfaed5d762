"""Action parsing, origin checks, observation rendering and grading: no browser needed."""

from __future__ import annotations

import pytest

from envgym.protocol import Action
from envgym.protocol.errors import InvalidAction
from envgym_web.actions import TOOLS, parse_action, resolve_url
from envgym_web.observe import TRUNCATION_MARKER, PageSnapshot, parse_elements, render
from envgym_web.shop.grading import grade_answer, grade_state
from envgym_web.shop.store import ShopStore, initial_state

SITE = "http://127.0.0.1:4000"


def test_every_tool_is_documented_with_a_plain_text_example():
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[2] / "docs" / "web.md").read_text()
    for tool in TOOLS:
        assert f"| `{tool.function.name}(" in docs, f"{tool.function.name} has no row in docs/web.md's action table"


def test_text_actions_are_read_from_the_last_call_line():
    calls = parse_action(Action(content='The search box is [4].\ntype(4, "red mug", submit=True)'))
    assert (calls[0].name, calls[0].args) == ("type", {"id": 4, "text": "red mug", "submit": True})
    assert parse_action(Action(content="click([12])"))[0].args == {"id": 12}
    assert parse_action(Action(content="done()"))[0].name == "done"


@pytest.mark.parametrize("text", ["hello", "click()", "click(__import__('os'))", "scroll('sideways')", "frobnicate(1)"])
def test_unreadable_text_actions_are_invalid(text):
    with pytest.raises(InvalidAction):
        parse_action(Action(content=text))


def test_tool_call_arguments_are_validated():
    assert parse_action(Action.call("click", id="7"))[0].args == {"id": 7}
    with pytest.raises(InvalidAction, match="no argument"):
        parse_action(Action.call("click", id=1, force=True))
    with pytest.raises(InvalidAction, match="needs id"):
        parse_action(Action.call("hover"))
    with pytest.raises(InvalidAction, match="non-negative integer"):
        parse_action(Action.call("click", id=True))


def test_goto_is_limited_to_the_allowed_origins():
    assert resolve_url("/cart", SITE + "/search", [SITE]) == SITE + "/cart"
    for url in (
        "http://example.com/",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "http://127.0.0.1:4001/",
        "//evil.test/x",
    ):
        with pytest.raises(InvalidAction, match="refused"):
            resolve_url(url, SITE + "/", [SITE])
    page = frozenset({"/miniwob/click-test.html"})
    assert resolve_url("click-test.html?x=1", SITE + "/miniwob/click-test.html", [SITE], page).endswith("?x=1")
    for url in ("/miniwob/enter-text.html", "/miniwob/click-test.html/../enter-text.html"):
        with pytest.raises(InvalidAction, match="refused"):
            resolve_url(url, SITE + "/miniwob/click-test.html", [SITE], page)


def test_render_respects_the_budget_with_a_marker():
    snap = PageSnapshot(url=SITE, title="t", lines=[f'[{i}] link "item {i}"' for i in range(1000)])
    text = render(snap, goal="g", error="boom", max_chars=500)
    assert "Last action error: boom" in text
    assert TRUNCATION_MARKER.split("{")[0] in text
    assert len(text) < 800
    assert parse_elements(text)[0].name == "item 0"


def test_answers_are_compared_as_amounts_or_normalised_text():
    assert grade_answer({"number": 36.99}, "The total was $36.99.").reward == 1.0
    assert grade_answer({"number": 36.99}, "$33.99").reward == 0.0
    assert grade_answer({"text": ["xl"]}, " XL. ").reward == 1.0
    assert grade_answer({"text": ["xl"]}, "L").reward == 0.0
    assert grade_answer({"number": 3}, None).reward == 0.0


def test_order_grading_reads_the_new_order_only():
    state = initial_state()
    check = {"kind": "order", "lines": [["MUG-04", "M", 1]], "address": {"street": "400 Market Ave, Suite 9"}}
    assert grade_state(check, state, None).reward == 0.0  # the order history alone does not count
    from envgym_web.shop.store import Line

    state.cart.append(Line("MUG-04", "M", 1))
    state.place_order(state.address("Work"), "standard", None)
    assert grade_state(check, state, None).passed
    state.cart.append(Line("MUG-04", "M", 1))
    state.place_order(state.address("Work"), "standard", None)
    assert not grade_state(check, state, None).passed  # two orders: not what was asked


async def test_shop_sessions_are_isolated_by_cookie():
    import httpx

    from envgym_web.shop.app import create_app
    from envgym_web.shop.store import COOKIE

    store = ShopStore()
    a, b = store.create(), store.create()
    transport = httpx.ASGITransport(create_app(store))
    async with httpx.AsyncClient(transport=transport, base_url="http://shop", cookies={COOKIE: a}) as client:
        await client.post("/cart/add", data={"sku": "NB-01", "qty": "2"})
        assert "Cart (2)" in (await client.get("/cart")).text
    async with httpx.AsyncClient(transport=transport, base_url="http://shop", cookies={COOKIE: b}) as client:
        assert "Cart (0)" in (await client.get("/cart")).text
    assert store.get(a).cart and not store.get(b).cart
    async with httpx.AsyncClient(transport=transport, base_url="http://shop") as client:
        assert (await client.get("/")).status_code == 403


def test_chromium_discovery_prefers_the_setting_and_fails_clearly(monkeypatch, tmp_path):
    from envgym_web.chromium import find_chromium
    from envgym_web.errors import BrowserUnavailable

    fake = tmp_path / "chrome"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    assert find_chromium(str(fake), None) == str(fake)
    with pytest.raises(BrowserUnavailable, match="not an executable"):
        find_chromium(str(tmp_path / "missing"), None)
    monkeypatch.delenv("ENVGYM_CHROMIUM", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert find_chromium(None, str(fake)) is None  # Playwright's own browser
    with pytest.raises(BrowserUnavailable, match="no Chromium found") as info:
        find_chromium(None, str(tmp_path / "no-playwright-browser"))
    assert info.value.code == "env_error"


def test_a_headless_browser_prefers_the_headless_shell_on_path(monkeypatch, tmp_path):
    from envgym_web.chromium import find_chromium

    for name in ("chromium", "chromium-headless-shell"):
        (tmp_path / name).write_text("#!/bin/sh\n")
        (tmp_path / name).chmod(0o755)
    monkeypatch.delenv("ENVGYM_CHROMIUM", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_chromium(None, None) == str(tmp_path / "chromium-headless-shell")
    assert find_chromium(None, None, headless=False) == str(tmp_path / "chromium")  # a window needs the full browser
    (tmp_path / "chromium-headless-shell").unlink()
    assert find_chromium(None, None) == str(tmp_path / "chromium")
