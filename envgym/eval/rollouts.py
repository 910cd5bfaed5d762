"""Whole rollouts (``POST /v1/rollouts``, DESIGN.md §5): the wire models and the work behind them.

A trainer sends an environment, a task and an OpenAI-compatible model endpoint; the host plays
``n`` episodes with the ``openai`` agent and returns finished trajectories with rewards, status and,
per model turn, the token ids and logprobs the model server returned (vLLM does when asked:
``return_token_ids`` and ``logprobs`` are requested by default), so training samples can be built
without re-tokenising. The server (``envgym_server.rollouts``) runs this on its own sessions, so its
limits (capacity, step timeout) apply; ``run_rollouts`` also works in-process.

Example:
    >>> req = RolloutRequest(env="debug/counter", task_id="count-to-2", n=4,
    ...                      model=ModelEndpoint(base_url="http://127.0.0.1:8000/v1", name="Qwen/Qwen3-8B",
    ...                                          sampling={"temperature": 1.0}))
    >>> req.n
    4
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any, Callable

from pydantic import BaseModel, ConfigDict, Field

from envgym.agents.openai_agent import DEFAULT_SYSTEM_PROMPT, OpenAIAgent
from envgym.environment import Environment
from envgym.loop import EpisodeHandle, EpisodeRecord, run_episode
from envgym.protocol import EpisodeStatus, Grade, Message, Task


class ModelEndpoint(BaseModel):
    """The model to roll out: an OpenAI-compatible server and how to sample from it."""

    model_config = ConfigDict(extra="forbid")
    base_url: str = Field(description="OpenAI-compatible API root, e.g. http://127.0.0.1:8000/v1")
    name: str = Field(description="model name the server knows")
    api_key: str | None = Field(None, description="bearer key for the model server (never echoed back)")
    sampling: dict[str, Any] = Field(default_factory=dict, description="temperature, top_p, max_tokens, seed, stop, ...")
    system_prompt: str | None = Field(DEFAULT_SYSTEM_PROMPT, description="null for no system message")
    max_turns: int = Field(50, ge=1, le=10_000, description="model turns per episode; then truncated")
    return_token_ids: bool = Field(True, description="ask for vLLM's prompt_token_ids/token_ids (turn off for servers that reject it)")
    logprobs: bool = Field(True, description="ask for per-token logprobs")
    timeout: float = Field(600.0, gt=0, description="seconds per model request")
    retries: int = Field(3, ge=0, le=20)
    extra_body: dict[str, Any] = Field(default_factory=dict, description="merged into every chat-completions request")


class RolloutRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    env: str
    task_id: str
    model: ModelEndpoint
    n: int = Field(1, ge=1, le=1024)
    seed: int | None = Field(None, description="rollout i gets seed + i")
    options: dict[str, Any] = Field(default_factory=dict, description="environment options (e.g. max_turns)")
    concurrency: int = Field(16, ge=1, le=1024, description="rollouts played at once")


class TokenTurn(BaseModel):
    """One model call: what the server returned about tokens (fields absent when it returned none)."""

    model_config = ConfigDict(extra="allow")
    finish_reason: str | None = None
    prompt_token_ids: list[int] | None = None
    token_ids: list[int] | None = None
    logprobs: list[float] | None = None
    usage: dict[str, Any] = Field(default_factory=dict)


class Rollout(BaseModel):
    index: int
    seed: int | None = None
    status: EpisodeStatus
    reward: float = 0.0
    grade: Grade | None = None
    turns: int = 0
    messages: list[Message] = Field(default_factory=list)
    token_turns: list[TokenTurn] = Field(default_factory=list)
    usage: dict[str, int] = Field(default_factory=dict)
    error: dict[str, Any] | None = None
    timings: dict[str, float] = Field(default_factory=dict)

    @classmethod
    def from_record(cls, index: int, record: EpisodeRecord) -> "Rollout":
        turns = [TokenTurn.model_validate({k: v for k, v in t.items() if k != "latency_s"}) for t in record.extra.get("turns", [])]
        error = None
        if record.error:
            error = {k: v for k, v in record.error.items() if k != "traceback"}
        return cls(index=index, seed=record.seed, status=record.status, reward=record.reward, grade=record.grade,
                   turns=record.turns, messages=record.messages, token_turns=turns, usage=record.usage, error=error,
                   timings=record.timings)


class RolloutResponse(BaseModel):
    env: str
    task_id: str
    model: str
    rollouts: list[Rollout]
    status_counts: dict[str, int]
    mean_reward: float | None = Field(None, description="over completed/truncated rollouts only; errors are not zeros")


def agent_for(endpoint: ModelEndpoint) -> OpenAIAgent:
    return OpenAIAgent(model=endpoint.name, base_url=endpoint.base_url, api_key=endpoint.api_key,
                       system_prompt=endpoint.system_prompt, sampling=endpoint.sampling, max_turns=endpoint.max_turns,
                       retries=endpoint.retries, timeout=endpoint.timeout, return_token_ids=endpoint.return_token_ids,
                       logprobs=endpoint.logprobs, extra_body=endpoint.extra_body)


async def run_rollouts(request: RolloutRequest, task: Task, env_cls: type[Environment], env_id: str,
                       new_episode: Callable[[], EpisodeHandle]) -> RolloutResponse:
    """Play ``request.n`` episodes of ``task`` with the ``openai`` agent; ``new_episode`` gives a fresh handle each time."""
    agent = agent_for(request.model)
    gate = asyncio.Semaphore(request.concurrency)

    async def one(i: int) -> Rollout:
        seed = None if request.seed is None else request.seed + i
        async with gate:
            record = await run_episode(new_episode(), agent, task, env_cls, seed=seed, env_id=env_id)
        return Rollout.from_record(i, record)

    try:
        rollouts = list(await asyncio.gather(*(one(i) for i in range(request.n))))
    finally:
        await agent.aclose()
    scored = [r.reward for r in rollouts if not r.status.is_error]
    return RolloutResponse(env=env_id, task_id=task.id, model=request.model.name, rollouts=rollouts,
                           status_counts=dict(Counter(r.status.value for r in rollouts)),
                           mean_reward=(sum(scored) / len(scored)) if scored else None)


__all__ = ["ModelEndpoint", "RolloutRequest", "RolloutResponse", "Rollout", "TokenTurn", "run_rollouts"]
