"""A stand-in for vLLM in the training tests: the scripted OpenAI-compatible server plus a toy chat
template, so the token ids it returns behave like a real server's.

Every request's ``prompt_token_ids`` are the template applied to the request's messages (with the
generation prompt), and a reply's ``token_ids`` are the assistant body the template would render
followed by the end-of-turn id — so, as with a real chat template that renders past assistant turns
verbatim, turn k+1's prompt extends turn k's prompt + completion. ``strip_think=True`` mimics
templates (Qwen3's) that drop ``<think>...</think>`` from past assistant turns, which breaks that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from envgym.testing.openai_server import chat_response, fake_logprobs, fake_token_ids, tool_call

ROLE_IDS = {"system": 50_001, "user": 50_002, "assistant": 50_003, "tool": 50_004}
END = 50_009  # end of a message (the model's stop token)
THINK = re.compile(r"<think>.*?</think>\s*", re.DOTALL)


def assistant_body_ids(message: dict[str, Any]) -> list[int]:
    """The ids of an assistant message's body: its text, then each tool call's name and arguments."""
    ids = fake_token_ids(message.get("content") or "") if message.get("content") else []
    for call in message.get("tool_calls") or []:
        ids += fake_token_ids(f"CALL {call['function']['name']} {call['function']['arguments']}")
    return ids


@dataclass
class TemplateModel:
    """Call with a request body; returns a chat-completions reply carrying vLLM-style token data.

    ``policy(body) -> (content, tool_calls)`` decides what the model says. ``generated`` keeps, per
    request, ``(prompt_ids, completion_ids, logprobs)`` — the ground truth the tests compare with.
    """

    policy: Callable[[dict[str, Any]], tuple[str | None, list[dict[str, Any]] | None]]
    strip_think: bool = False
    generated: list[tuple[list[int], list[int], list[float]]] = field(default_factory=list)

    def render(self, messages: list[dict[str, Any]]) -> list[int]:
        ids: list[int] = []
        for m in messages:
            role = m["role"]
            if role == "assistant":
                if self.strip_think and m.get("content"):
                    m = {**m, "content": THINK.sub("", m["content"])}
                body = assistant_body_ids(m)
            else:
                content = m.get("content")
                body = fake_token_ids(content if isinstance(content, str) else str(content))
            ids += [ROLE_IDS.get(role, 50_000), *body, END]
        return ids + [ROLE_IDS["assistant"]]  # the generation prompt

    def __call__(self, body: dict[str, Any]) -> dict[str, Any]:
        content, calls = self.policy(body)
        prompt = self.render(body["messages"])
        completion = assistant_body_ids({"content": content, "tool_calls": calls}) + [END]
        entries = fake_logprobs(completion)
        self.generated.append((prompt, completion, [e["logprob"] for e in entries]))
        return chat_response(
            content,
            tool_calls=calls,
            token_ids=completion if body.get("return_token_ids") else None,
            prompt_token_ids=prompt if body.get("return_token_ids") else None,
            logprobs=entries if body.get("logprobs") else None,
        )


def counter_policy(think: bool = False) -> Callable[[dict[str, Any]], tuple[str | None, list[dict[str, Any]] | None]]:
    """Plays debug/counter: one increment per turn until the target shown in the prompt, then submit."""

    def policy(body: dict[str, Any]) -> tuple[str | None, list[dict[str, Any]] | None]:
        messages = body["messages"]
        target = int(
            re.search(r"counter is (\d+)", next(m["content"] for m in messages if m["role"] == "user")).group(1)
        )
        current = 0
        for m in messages:
            found = re.match(r"counter = (\d+)", m.get("content") or "") if m["role"] == "tool" else None
            if found:
                current = int(found.group(1))
        text = f"<think> counter is {current} of {target} </think> ok" if think else None
        if current >= target:
            return text, [tool_call("submit")]
        return text, [tool_call("increment", {"by": 1})]

    return policy
