"""The ``tokens`` agent: token-in/token-out episodes against a vLLM-style server, for training.

Each turn it sends the whole context as token ids to ``POST /v1/completions`` and keeps the ids the
model sampled, with their logprobs and the policy version, exactly as sampled (``envgym.agents.tokens``).
Only the environment's messages go through the chat template — rendered by the model server's
``/tokenize`` (or a local tokenizer) and appended as a delta. The model's text goes to the
environment as it is, with ``Action.tool_parser`` naming how to read tool calls out of it (chosen from
the model's name unless given), so a malformed or cut-off call is the environment's to answer.

A per-episode token budget (``max_total_tokens``: the whole sequence, prompt included) caps each
reply at what is left; once it is used up the episode ends ``truncated``. ``extra["turns"]`` holds,
per model call, ``prompt_token_ids`` (the context sent), ``token_ids``, ``logprobs``,
``finish_reason`` and ``policy_version`` — ``envgym.adapters.training.samples_from_record`` builds samples from
them, and they always stitch, because every prompt is the previous context plus appended ids.

Configuration: everything of the ``openai`` agent (``model``, ``base_url``, ``api_key``,
``system_prompt``, ``sampling``, ``max_turns``, ``retries``, ``timeout``, ``extra_body``) plus
``tool_parser``, ``max_total_tokens``, ``policy_version`` (set it between updates; a server answer
carrying ``policy_version`` wins), ``template_kwargs`` (e.g. ``enable_thinking``), ``tool_role``
(``"user"`` for templates without a tool role, such as Gemma's: environment messages are then merged
into one user message), ``renderer`` (an ``envgym.agents.tokens.Renderer``; default: the server's ``/tokenize``).

Example:
    >>> agent = TokenAgent(model="Qwen/Qwen3-8B", base_url="http://127.0.0.1:8000/v1", max_total_tokens=8192)
    >>> agent.name, agent.tool_parser
    ('tokens', 'hermes')
"""

from __future__ import annotations

from typing import Any

from envgym.agents.base import AgentEpisode, AgentLimitReached
from envgym.agents.openai_agent import ModelEpisode, ModelError, OpenAIAgent, logprobs_field, token_ids_of
from envgym.agents.tokens import Renderer, ServerRenderer, TokenTranscript
from envgym.kernel.environment import Environment
from envgym.kernel.tool_parsers import for_model, get_parser
from envgym.protocol import Action, Observation, Task, Tool

__all__ = ["TokenAgent", "TokenEpisode", "TokenBudgetExhausted", "environment_messages"]

DEFAULT_MAX_TOKENS = 1024


class TokenBudgetExhausted(AgentLimitReached):
    """The episode's token budget (``max_total_tokens``) is used up: the episode ends ``truncated``."""

    code = "token_budget"


def environment_messages(messages: list[dict[str, Any]], tool_role: str = "tool") -> list[dict[str, Any]]:
    """An observation's messages as the template gets them. With ``tool_role="user"`` (templates that
    know only user and assistant turns, and want them alternating) they become one user message.

    Example:
        >>> environment_messages([{"role": "tool", "content": "counter = 1", "tool_call_id": "c"},
        ...                       {"role": "user", "content": "go on"}], tool_role="user")
        [{'role': 'user', 'content': 'counter = 1\\n\\ngo on'}]
    """
    if tool_role == "tool":
        return messages
    text = "\n\n".join(
        m["content"] if isinstance(m.get("content"), str) else str(m.get("content") or "") for m in messages
    )
    return [{"role": "user", "content": text}]


class TokenEpisode(ModelEpisode):
    agent: "TokenAgent"

    def __init__(self, agent: "TokenAgent", task: Task, tools: list[Tool]) -> None:
        super().__init__(agent)
        self.tools = [t.model_dump() for t in tools] or None
        self.transcript = TokenTranscript(agent.renderer_for(), shape_cache=agent.shape_cache)
        self.started = False

    async def _extend_context(self, observation: Observation) -> None:
        messages = [m.model_dump(exclude_none=True) for m in observation.messages]
        if not self.started:
            system = [{"role": "system", "content": self.agent.system_prompt}] if self.agent.system_prompt else []
            await self.transcript.start(system + messages, self.tools)
            self.started = True
        elif messages:
            await self.transcript.add_environment(environment_messages(messages, self.agent.tool_role))

    def _request_body(self, max_tokens: int) -> dict[str, Any]:
        sampling = {k: v for k, v in self.agent.sampling.items() if k != "max_tokens"}
        body: dict[str, Any] = {
            "model": self.agent.model,
            "prompt": self.transcript.prompt_ids,
            "max_tokens": max_tokens,
            "return_token_ids": True,
            "return_tokens_as_token_ids": True,
            "skip_special_tokens": not self.agent.parser_needs_special_tokens,
            **sampling,
        }
        if self.agent.logprobs:
            body["logprobs"] = 0  # the sampled token's logprob only
        body.update(self.agent.extra_body)
        return body

    async def act(self, observation: Observation) -> Action:
        await self._extend_context(observation)
        self._take_turn()
        max_tokens = int(self.agent.sampling.get("max_tokens") or DEFAULT_MAX_TOKENS)
        if self.agent.max_total_tokens is not None:
            left = self.agent.max_total_tokens - len(self.transcript.ids)
            if left <= 0:
                raise TokenBudgetExhausted(
                    f"the episode's budget of {self.agent.max_total_tokens} tokens is used up",
                    details={"tokens": len(self.transcript.ids)},
                )
            max_tokens = min(max_tokens, left)
        prompt = self.transcript.prompt_ids
        data, choice, turn = await self._call(self._request_body(max_tokens), "/completions")
        ids = choice.get("token_ids") or token_ids_of(logprobs_field(choice, "tokens"))
        if ids is None:
            raise ModelError(
                "the model server returned no token ids: token-in/token-out needs return_token_ids (vLLM >= 0.10.2) "
                "or return_tokens_as_token_ids with logprobs"
            )
        raw_logprobs = logprobs_field(choice, "token_logprobs")
        logprobs = [float(x) if x is not None else 0.0 for x in raw_logprobs] if raw_logprobs is not None else None
        version = data.get("policy_version", self.agent.policy_version)
        self.transcript.add_model(ids, logprobs, version)
        turn.update(prompt_token_ids=prompt, token_ids=list(ids), policy_version=version)
        if logprobs is not None:
            turn["logprobs"] = logprobs
        self.extra["turns"].append(turn)
        text = choice.get("text")
        if not isinstance(text, str):
            raise ModelError("the model server's completion has no text")
        return Action(content=text, tool_parser=self.agent.tool_parser if self.tools else None)


class TokenAgent(OpenAIAgent):
    name = "tokens"
    summary = (
        "Token-in/token-out agent for vLLM-style servers: keeps sampled ids verbatim, renders only environment turns."
    )

    def __init__(
        self,
        model: str | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        *,
        tool_parser: str | None = None,
        max_total_tokens: int | None = None,
        policy_version: int = 0,
        template_kwargs: dict[str, Any] | None = None,
        tool_role: str = "tool",
        renderer: Renderer | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("return_token_ids", True)
        kwargs.setdefault("logprobs", True)
        super().__init__(model, base_url, api_key, **kwargs)
        self.tool_parser = tool_parser or for_model(self.model)
        self.parser_needs_special_tokens = bool(getattr(get_parser(self.tool_parser), "needs_special_tokens", False))
        self.max_total_tokens = int(max_total_tokens) if max_total_tokens else None
        self.policy_version = int(policy_version)
        self.template_kwargs = dict(template_kwargs or {})
        if tool_role not in ("tool", "user"):
            raise ValueError(f"tool_role is 'tool' or 'user', not {tool_role!r}")
        self.tool_role = tool_role
        self.renderer = renderer
        self.shape_cache: dict[str, Any] = {}

    def renderer_for(self) -> Renderer:
        if self.renderer is not None:
            return self.renderer
        return ServerRenderer(
            self.base_url, self.model, client=self._client(), api_key=self.api_key, **self.template_kwargs
        )

    def start_episode(self, task: Task, env_cls: type[Environment], tools: list[Tool]) -> AgentEpisode:
        return TokenEpisode(self, task, tools)
