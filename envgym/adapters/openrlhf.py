"""OpenRLHF: an agent instance for its ``MultiTurnAgentExecutor`` that plays one envgym session per
prompt, so ``--agent_func_path`` can point at a three-line file.

OpenRLHF samples token-in/token-out with vLLM and hands the instance the reply's text; the instance
steps the envgym session with it (``tool_parser`` reads its tool calls) and returns the environment's
answer as *feedback text that already carries the chat template's markup* — what the template
writes after the reply's end-of-turn token, then the delta it renders for those messages
(``envgym.agents.tokens``) — because OpenRLHF appends the feedback's tokens to the context as they are. The reward is the episode's, given when it ends; an error status scores 0 with
``extra_logs["envgym_error"] = 1`` so it can be filtered.

The dataset's ``label`` is the task id (``task_rows``); the prompt the dataset renders is kept. When
OpenRLHF stops an episode itself (its length budget), it never tells the instance: that session is
closed by the server ``ttl_s`` seconds later (set it to a little more than one model turn).

Example (the file passed as ``--agent_func_path``, ``pip install 'envgym[openrlhf]'``)::

    from envgym.adapters.openrlhf import make_agent_executor
    AgentExecutor = make_agent_executor("http://127.0.0.1:8000", "debug/counter", tokenizer="Qwen/Qwen3-0.6B")
"""

from __future__ import annotations

from typing import Any

import torch
from openrlhf.utils.agent import AgentInstanceBase, MultiTurnAgentExecutor

from envgym.adapters.text import AsyncTextEpisode
from envgym.agents.tokens import TokenizerRenderer, TokenTranscript

__all__ = ["EnvgymAgentInstance", "make_agent_instance", "make_agent_executor"]


class EnvgymAgentInstance(AgentInstanceBase):
    """One prompt's envgym episode (configure a subclass with ``make_agent_instance``)."""

    url: str = ""
    env: str = ""
    tokenizer: Any = None
    tool_parser: str = "hermes"
    token: str | None = None
    ttl_s: float | None = 600.0
    template_kwargs: dict[str, Any] = {}
    tool_role: str = "tool"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.episode = AsyncTextEpisode(
            self.url,
            self.env,
            tool_parser=self.tool_parser,
            token=self.token,
            ttl_s=self.ttl_s,
            tool_role=self.tool_role,
        )
        self.transcript = TokenTranscript(TokenizerRenderer(self.tokenizer, **self.template_kwargs))

    async def reset(self, states: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        await self.episode.start(str(states["label"]))
        self.transcript.tools = self.episode.tools or None
        return {"observation": states["observation"]}

    async def step(self, states: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        turn = await self.episode.step(states["action_text"])
        feedback = ""
        if turn.done:
            await self.episode.close()
        else:
            # OpenRLHF tokenises the feedback's text and appends it: give it the template's markup. The
            # reply's ids end with the end-of-turn token vLLM stopped on (a reply cut by max_tokens has
            # used up the budget, so nothing is generated after it); what the template writes after
            # that token comes first.
            shape = await self.transcript.learn_shape()
            ids = list(shape.close[1:]) + await self.transcript.environment_delta(turn.messages)
            feedback = self.tokenizer.decode(ids, skip_special_tokens=False)
        error = turn.done and turn.status.is_error
        reward = 0.0 if error else (turn.reward if turn.done else 0.0)
        return {
            "rewards": torch.tensor(reward),
            "scores": torch.tensor(reward),
            "environment_feedback": feedback,
            "done": turn.done,
            "sampling_params": states.get("sampling_params"),
            "extra_logs": {
                "envgym_error": torch.tensor(float(error)),
                "envgym_turn": torch.tensor(float(not turn.done)),
            },
        }


def make_agent_instance(
    url: str,
    env: str,
    tokenizer: Any,
    *,
    tool_parser: str = "hermes",
    token: str | None = None,
    ttl_s: float | None = 600.0,
    template_kwargs: dict[str, Any] | None = None,
    tool_role: str = "tool",
) -> type[EnvgymAgentInstance]:
    """An ``AgentInstance`` class bound to a server, an environment and the policy's tokenizer (an object
    or a name/path for ``transformers.AutoTokenizer``)."""
    if isinstance(tokenizer, str):
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(tokenizer)
    return type(
        "AgentInstance",
        (EnvgymAgentInstance,),
        {
            "url": url,
            "env": env,
            "tokenizer": tokenizer,
            "tool_parser": tool_parser,
            "token": token,
            "ttl_s": ttl_s,
            "template_kwargs": dict(template_kwargs or {}),
            "tool_role": tool_role,
        },
    )


def make_agent_executor(url: str, env: str, tokenizer: Any, **kwargs: Any) -> type[MultiTurnAgentExecutor]:
    """An ``AgentExecutor`` class (what ``--agent_func_path`` files define) running envgym episodes."""
    instance = make_agent_instance(url, env, tokenizer, **kwargs)

    class AgentExecutor(MultiTurnAgentExecutor):
        def __init__(self) -> None:
            super().__init__(instance)

    return AgentExecutor
