"""Text tool calls: the named parsers (envgym.tool_parsers), their entry-point group, their bounds on
hostile text, and environments reading raw assistant text through Action.tool_parser — a malformed
call is an observation for the agent, never a 4xx."""

from __future__ import annotations

import json
import time

import pytest

from envgym.builtin.debug import DebugEnvironment
from envgym.kernel import registry
from envgym.kernel.tool_parsers import (
    MAX_CALLS,
    MAX_TEXT_CHARS,
    ParsedText,
    ToolCallError,
    ToolParser,
    for_model,
    get_parser,
    parse_action,
)
from envgym.protocol import Action


def calls(parsed: ParsedText) -> list[tuple[str, dict]]:
    return [(c.function.name, json.loads(c.function.arguments)) for c in parsed.calls]


def test_hermes_reads_every_call_and_keeps_the_text_around_them():
    parsed = get_parser("hermes").parse(
        '<think>plan</think>First. <tool_call>\n{"name": "a", "arguments": {"x": 1}}\n</tool_call>'
        ' then <tool_call>{"name": "b", "arguments": "{\\"y\\": 2}"}</tool_call>'
    )
    assert calls(parsed) == [("a", {"x": 1}), ("b", {"y": 2})]
    assert parsed.content == "<think>plan</think>First.  then"
    assert get_parser("hermes").parse("no calls here").calls == []


@pytest.mark.parametrize(
    "text, says",
    [
        ('<tool_call>{"name": "a", "arguments": {x: 1}}</tool_call>', "not valid JSON"),
        ('<tool_call>{"name": "a", "arguments": {"x"', "no closing </tool_call>"),  # cut by the token budget
        ('<tool_call>{"arguments": {}}</tool_call>', 'has no "name"'),
        ('<tool_call>["a"]</tool_call>', "must be a JSON object"),
        ('<tool_call>{"name": "a", "arguments": [1]}</tool_call>', "must be a JSON object"),
        ('{"name": "a"}</tool_call>', "no opening"),
    ],
)
def test_hermes_says_what_is_wrong(text, says):
    with pytest.raises(ToolCallError, match=says):
        get_parser("hermes")(text)


def test_llama3_json_mistral_and_plain_json():
    llama = get_parser("llama3_json")
    assert calls(llama('<|python_tag|>{"name": "a", "parameters": {"x": 1}}; {"name": "b", "parameters": {}}')) == [
        ("a", {"x": 1}),
        ("b", {}),
    ]
    assert llama("The answer is 4.").calls == []
    with pytest.raises(ToolCallError, match="not valid JSON"):
        llama('{"name": "a", "parameters": {"x": }}')
    mistral = get_parser("mistral")
    assert calls(
        mistral('ok [TOOL_CALLS][{"name": "a", "arguments": {"x": 1}}, {"name": "b", "arguments": {}}]</s>')
    ) == [("a", {"x": 1}), ("b", {})]
    assert calls(mistral('[TOOL_CALLS]a[ARGS]{"x": 1}[TOOL_CALLS]b[ARGS]{}')) == [("a", {"x": 1}), ("b", {})]
    assert mistral.needs_special_tokens is True
    with pytest.raises(ToolCallError):
        mistral("[TOOL_CALLS]a b c")
    plain = get_parser("json")
    assert calls(plain('Here:\n```json\n[{"name": "a", "arguments": {"x": 1}}]\n```')) == [("a", {"x": 1})]
    assert plain("just words").calls == [] and plain("just words").content == "just words"


def test_hostile_text_is_refused_within_bounds():
    hermes = get_parser("hermes")
    started = time.process_time()
    with pytest.raises(ToolCallError, match="characters long"):
        hermes("x" * (MAX_TEXT_CHARS + 1))
    with pytest.raises(ToolCallError, match="nests brackets deeper"):
        hermes("<tool_call>" + "[" * 50_000 + "</tool_call>")
    with pytest.raises(ToolCallError, match=f"at most {MAX_CALLS}"):
        hermes('<tool_call>{"name": "a"}</tool_call>' * (MAX_CALLS + 1))
    with pytest.raises(ToolCallError):
        hermes("<tool_call>" * 20_000)  # many openers, no closer: one scan, not one per opener
    with pytest.raises(ToolCallError):
        get_parser("llama3_json")("{" * 100_000)
    assert time.process_time() - started < 5  # generous: linear work on ~1 MB of text in total


def test_parsers_come_from_the_entry_point_group_and_can_be_added():
    names = {p.name for p in registry.list_plugins("tool_parsers")}
    assert {"hermes", "llama3_json", "mistral", "json"} <= names

    class Shout(ToolParser):
        name = "shout"

        def parse(self, text):
            return ParsedText(content="", calls=get_parser("json").parse(text.lower()).calls)

    registry.register("tool_parsers", "shout", Shout, replace=True)
    try:
        action, parsed = parse_action(Action(content='{"NAME": "SUBMIT"}'.replace("NAME", "name"), tool_parser="shout"))
        assert [c.function.name for c in parsed] == ["submit"]
    finally:
        registry.unregister("tool_parsers", "shout")
    assert for_model("mistralai/Mistral-Small-3.1") == "mistral" and for_model("some/unknown") == "hermes"


async def test_environments_read_raw_text_and_answer_malformed_calls_as_observations():
    env = DebugEnvironment("counter")
    await env.reset(DebugEnvironment.get_task("counter", "count-to-2"))
    ok = await env.step(
        Action(content='<tool_call>{"name": "increment", "arguments": {"by": 2}}</tool_call>', tool_parser="hermes")
    )
    assert (
        ok.observation.messages[0].content == "counter = 2"
        and ok.info["tool_calls"][0]["function"]["name"] == "increment"
    )
    bad = await env.step(Action(content='<tool_call>{"name": "submit", "arguments": {}', tool_parser="hermes"))
    assert not bad.done and bad.info["status"] == "running" and bad.info["turn"] == 2  # the agent's turn, used up
    assert (
        "no closing </tool_call>" in bad.observation.messages[0].content
        and bad.info["error"]["code"] == "invalid_action"
    )
    done = await env.step(
        Action(content='<tool_call>{"name": "submit", "arguments": {}}</tool_call>', tool_parser="hermes")
    )
    assert done.reward == 1.0 and "reward 1" in done.observation.messages[-1].content  # the grade's feedback
    await env.close()


async def test_over_http_a_malformed_text_call_is_a_200_with_an_error_observation():
    import httpx

    from envgym_server import ServerConfig, create_app

    app = create_app(ServerConfig(sandbox="process"))
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as http:
            created = (await http.post("/v1/sessions", json={"env": "debug/counter", "task_id": "count-to-1"})).json()
            step = await http.post(
                f"/v1/sessions/{created['session_id']}/step",
                json={"action": {"content": '<tool_call>{"name": }</tool_call>', "tool_parser": "hermes"}},
            )
            assert step.status_code == 200
            assert "not valid JSON" in step.json()["observation"]["messages"][0]["content"]
            unknown = await http.post(
                f"/v1/sessions/{created['session_id']}/step",
                json={"action": {"content": "x", "tool_parser": "no-such-parser"}},
            )
            assert (
                unknown.status_code == 422 and "no tool parser 'no-such-parser'" in unknown.json()["error"]["message"]
            )
            state = (await http.get(f"/v1/sessions/{created['session_id']}")).json()
            assert state["status"] == "running" and state["steps"] == 1  # the caller's mistake cost the episode nothing
