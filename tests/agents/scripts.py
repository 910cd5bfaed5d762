"""Scripted model behaviours for the OpenAI-compatible test server (shared by agent and eval tests)."""

from __future__ import annotations

import re
from typing import Any

from envgym.testing.openai_server import chat_response, fake_logprobs, fake_token_ids, tool_call


def counter_state(body: dict[str, Any]) -> tuple[int, int]:
    """(target, current counter) as the conversation shows them."""
    messages = body["messages"]
    target = int(re.search(r"counter is (\d+)", next(m["content"] for m in messages if m["role"] == "user")).group(1))
    current = 0
    for m in messages:
        if m["role"] == "tool" and isinstance(m.get("content"), str):
            found = re.match(r"counter = (\d+)", m["content"])
            if found:
                current = int(found.group(1))
    return target, current


def counter_solver(body: dict[str, Any], *, parallel: bool = True) -> dict[str, Any]:
    """Plays debug/counter well: two parallel increments first, then exact increments, then submit."""
    target, current = counter_state(body)
    first = not any(m["role"] == "assistant" for m in body["messages"])
    if current >= target:
        return chat_response(tool_calls=[tool_call("submit")])
    if first and parallel and target - current >= 2:
        return chat_response(
            "I'll count.", tool_calls=[tool_call("increment", {"by": 1}), tool_call("increment", {"by": 1})]
        )
    return chat_response(tool_calls=[tool_call("increment", {"by": min(10, target - current)})])


def with_tokens(body: dict[str, Any], reply: dict[str, Any]) -> dict[str, Any]:
    """Adds vLLM-style token ids and logprobs to ``reply`` when the request asked for them."""
    choice = reply["choices"][0]
    text = (
        (choice["message"].get("content") or "")
        + " "
        + " ".join(c["function"]["arguments"] for c in choice["message"].get("tool_calls") or [])
    )
    ids = fake_token_ids(text)
    if body.get("return_token_ids"):
        choice["token_ids"] = ids
        reply["prompt_token_ids"] = fake_token_ids(" ".join(str(m.get("content")) for m in body["messages"]))
    if body.get("logprobs"):
        choice["logprobs"] = {"content": fake_logprobs(ids)}
    return reply
