"""The ``openai`` agent against the scripted OpenAI-compatible server."""

from __future__ import annotations

import asyncio

from envgym.agents import get_agent
from envgym.agents.loop import run_episode
from envgym.agents.openai_agent import OpenAIAgent
from envgym.builtin.debug import DebugEnvironment
from envgym.protocol import EpisodeStatus
from envgym.testing.openai_server import Reply, chat_response, error_reply, tool_call
from scripts import counter_solver, counter_state, with_tokens


def agent_for(server, **config) -> OpenAIAgent:
    config.setdefault("backoff", 0.01)
    return OpenAIAgent(model="scripted-model", base_url=server.base_url, **config)


async def play(agent, suite="counter", task_id="count-to-3", **kwargs):
    try:
        return await run_episode(
            DebugEnvironment(suite), agent, DebugEnvironment.get_task(suite, task_id), DebugEnvironment, **kwargs
        )
    finally:
        await agent.aclose()


def test_registered_as_plugin():
    agent = get_agent("openai", model="m", base_url="http://127.0.0.1:1/v1", temperature=0.3)
    assert isinstance(agent, OpenAIAgent) and agent.sampling == {"temperature": 0.3}


async def test_multi_turn_tool_episode_with_parallel_calls(model):
    model.handler = counter_solver
    record = await play(agent_for(model, sampling={"temperature": 0.2, "max_tokens": 64}, system_prompt="Be brief."))
    assert record.status is EpisodeStatus.completed and record.reward == 1.0
    assert record.turns == 3  # two parallel increments, one more, then submit
    assert len(record.actions[0].tool_calls) == 2
    tool_replies = [m for m in record.messages if m.role == "tool"]
    assert [m.content for m in tool_replies] == ["counter = 1", "counter = 2", "counter = 3"]
    first = model.requests[0]
    assert first["model"] == "scripted-model" and first["temperature"] == 0.2 and first["max_tokens"] == 64
    assert first["messages"][0] == {"role": "system", "content": "Be brief."}
    assert {t["function"]["name"] for t in first["tools"]} == {"increment", "submit"}
    # The second request carries the assistant's two calls and both tool answers, matched by id.
    second = model.requests[1]["messages"]
    call_ids = [c["id"] for c in second[2]["tool_calls"]]
    assert [m["tool_call_id"] for m in second[3:5]] == call_ids
    assert record.usage["requests"] == 3 and record.usage["completion_tokens"] > 0


async def test_malformed_tool_arguments_get_an_error_observation_and_the_model_recovers(model):
    def script(body):
        if not any(m["role"] == "assistant" for m in body["messages"]):
            return chat_response(tool_calls=[tool_call("increment", '{"by": 1')])  # broken JSON
        return counter_solver(body)

    model.handler = script
    record = await play(agent_for(model))
    assert record.status is EpisodeStatus.completed and record.reward == 1.0
    first_tool_reply = next(m for m in record.messages if m.role == "tool")
    assert "not valid JSON" in first_tool_reply.content


async def test_structurally_broken_tool_call_and_plain_text_are_answered_not_fatal(model):
    replies = iter(
        [
            chat_response(tool_calls=[{"type": "function", "function": {"arguments": "{}"}}]),  # no id, no name
            chat_response("I think I am done"),  # plain text where the env needs tools
        ]
    )

    def script(body):
        return next(replies, None) or counter_solver(body, parallel=False)

    model.handler = script
    record = await play(agent_for(model), task_id="count-to-1")
    assert record.status is EpisodeStatus.completed and record.reward == 1.0
    texts = [m.text() for m in record.messages if m.role in ("tool", "user")]
    assert any("unknown tool ''" in t for t in texts)
    assert any("plain text does nothing" in t for t in texts)


async def test_context_length_error_ends_truncated(model):
    def script(body):
        if any(m["role"] == "assistant" for m in body["messages"]):
            return error_reply(
                400, "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens."
            )
        return chat_response(tool_calls=[tool_call("increment")])

    model.handler = script
    record = await play(agent_for(model))
    assert record.status is EpisodeStatus.truncated
    assert record.error["code"] == "context_length_exceeded"
    assert record.turns == 1
    assert len(model.requests) == 2  # not retried


async def test_reply_cut_by_length_before_saying_anything_ends_truncated(model):
    model.handler = lambda body: chat_response(None, finish_reason="length")
    record = await play(agent_for(model))
    assert record.status is EpisodeStatus.truncated and record.error["code"] == "context_length_exceeded"


async def test_server_errors_are_retried_then_agent_error(model):
    model.handler = lambda body: error_reply(503, "overloaded", type_="ServiceUnavailable")
    record = await play(agent_for(model, retries=2))
    assert record.status is EpisodeStatus.agent_error
    assert record.error["code"] == "model_error" and "503" in record.error["message"]
    assert len(model.requests) == 3


async def test_transient_failure_is_retried_and_the_episode_completes(model):
    calls = {"n": 0}

    def script(body):
        calls["n"] += 1
        if calls["n"] == 1:
            return error_reply(500, "transient")
        return counter_solver(body)

    model.handler = script
    record = await play(agent_for(model))
    assert record.status is EpisodeStatus.completed and record.reward == 1.0


async def test_client_error_is_not_retried(model):
    model.handler = lambda body: error_reply(404, "The model `scripted-model` does not exist.", type_="NotFoundError")
    record = await play(agent_for(model, retries=3))
    assert record.status is EpisodeStatus.agent_error and "404" in record.error["message"]
    assert len(model.requests) == 1


async def test_slow_server_times_out_into_agent_error(model):
    model.handler = lambda body: Reply(body=chat_response("late"), delay=1.0)
    record = await play(agent_for(model, timeout=0.2, retries=1))
    assert record.status is EpisodeStatus.agent_error and "ReadTimeout" in record.error["message"]


async def test_unreachable_server_is_agent_error():
    agent = OpenAIAgent(model="m", base_url="http://127.0.0.1:9/v1", retries=1, backoff=0.01, timeout=2)
    record = await play(agent)
    assert record.status is EpisodeStatus.agent_error and "ConnectError" in record.error["message"]


async def test_agent_turn_limit_ends_truncated(model):
    model.handler = lambda body: chat_response(tool_calls=[tool_call("increment")])
    record = await play(agent_for(model, max_turns=2), task_id="count-to-8")
    assert record.status is EpisodeStatus.truncated and record.error["code"] == "max_turns"
    assert len(model.requests) == 2


async def test_token_ids_and_logprobs_are_kept_per_turn(model):
    model.handler = lambda body: with_tokens(body, counter_solver(body))
    record = await play(agent_for(model, return_token_ids=True, logprobs=True), task_id="count-to-2")
    assert model.requests[0]["return_token_ids"] is True and model.requests[0]["logprobs"] is True
    turns = record.extra["turns"]
    assert len(turns) == record.turns == 2
    for turn in turns:
        assert turn["token_ids"] and all(isinstance(t, int) for t in turn["token_ids"])
        assert len(turn["logprobs"]) == len(turn["token_ids"])
        assert turn["prompt_token_ids"]


async def test_without_asking_no_token_fields_are_sent_or_kept(model):
    model.handler = lambda body: with_tokens(body, counter_solver(body))
    record = await play(agent_for(model), task_id="count-to-1")
    assert "return_token_ids" not in model.requests[0] and "logprobs" not in model.requests[0]
    assert all("token_ids" not in t for t in record.extra["turns"])


async def test_text_environment_gets_content_and_no_tools(model):
    model.handler = lambda body: chat_response(body["messages"][-1]["content"].rsplit(" ", 1)[-1])
    record = await play(agent_for(model), suite="echo", task_id="echo-2")
    assert record.status is EpisodeStatus.completed and record.reward == 1.0
    assert "tools" not in model.requests[0]


async def test_async_handler_and_concurrent_episodes_share_one_agent(model):
    async def script(body):
        await asyncio.sleep(0.01)
        return counter_solver(body)

    model.handler = script
    agent = agent_for(model)
    try:
        tasks = [t for t in DebugEnvironment.tasks("counter")]
        records = await asyncio.gather(
            *(run_episode(DebugEnvironment("counter"), agent, t, DebugEnvironment) for t in tasks)
        )
    finally:
        await agent.aclose()
    assert [r.reward for r in records] == [1.0] * len(tasks)
    assert all(
        counter_state({"messages": [{"role": "user", "content": t.prompt}]})[0] == t.payload["target"] for t in tasks
    )
