"""Whole rollouts (``POST /v1/rollouts``, docs/architecture.md §5): the wire models and the work behind them.

A trainer sends an environment, a task and an OpenAI-compatible model endpoint; the host plays
``n`` episodes and returns finished trajectories with rewards, status and, per model turn, the
token ids and logprobs the model sampled, so training samples are built without re-tokenising.

* ``model.mode="tokens"`` (default): token-in/token-out with the ``tokens`` agent — the context is
  sent as ids to ``/v1/completions``, sampled ids are kept verbatim and only environment turns are
  rendered (by the model server's ``/tokenize``), so trajectories always stitch. Needs a vLLM-style
  server. ``model.mode="chat"``: messages in, through ``/v1/chat/completions`` (any OpenAI-compatible
  server; ids are whatever the server re-renders each turn).
* ``stream=true``: results as NDJSON lines, one ``Rollout`` as soon as each finishes, then one
  summary line (``{"done": true, ...}``); ``iter_rollouts``/``stream_rollouts`` read them.
* A client that goes away cancels the rollouts: their episodes stop and their sessions (and
  sandboxes) are closed.
* ``max_total_tokens`` caps each rollout's sequence (prompt included): replies are cut to what is
  left and the episode ends ``truncated`` when it is used up. ``policy_version`` is carried into
  every rollout and every model turn.
* Every one of the ``n`` slots comes back, in order (``index``); a rollout that failed keeps its slot
  with an error status, so a trainer's group size holds.

The server (``envgym_server.rollouts``) runs this on its own sessions, so its limits (capacity,
step timeout) apply; ``run_rollouts`` also works in-process.

Example:
    >>> req = RolloutRequest(env="debug/counter", task_id="count-to-2", n=4, policy_version=12,
    ...                      model=ModelEndpoint(base_url="http://127.0.0.1:8000/v1", name="Qwen/Qwen3-8B",
    ...                                          sampling={"temperature": 1.0}))
    >>> req.n, req.model.mode
    (4, 'tokens')
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from typing import Any, AsyncGenerator, AsyncIterator, Callable, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field

from envgym.agents.loop import EpisodeRecord, run_episode
from envgym.agents.openai_agent import DEFAULT_SYSTEM_PROMPT, OpenAIAgent
from envgym.agents.token_agent import TokenAgent
from envgym.client import error_from_response
from envgym.kernel.environment import Environment
from envgym.kernel.episode import Episode
from envgym.protocol import EpisodeStatus, Grade, Message, Task


class ModelEndpoint(BaseModel):
    """The model to roll out: an OpenAI-compatible server and how to sample from it."""

    model_config = ConfigDict(extra="forbid")
    base_url: str = Field(description="OpenAI-compatible API root, e.g. http://127.0.0.1:8000/v1")
    name: str = Field(description="model name the server knows")
    api_key: str | None = Field(None, description="bearer key for the model server (never echoed back)")
    sampling: dict[str, Any] = Field(
        default_factory=dict, description="temperature, top_p, max_tokens, seed, stop, ..."
    )
    system_prompt: str | None = Field(DEFAULT_SYSTEM_PROMPT, description="null for no system message")
    max_turns: int = Field(50, ge=1, le=10_000, description="model turns per episode; then truncated")
    return_token_ids: bool = Field(
        True, description="ask for vLLM's prompt_token_ids/token_ids (turn off for servers that reject it)"
    )
    logprobs: bool = Field(True, description="ask for per-token logprobs")
    timeout: float = Field(600.0, gt=0, description="seconds per model request")
    retries: int = Field(3, ge=0, le=20)
    extra_body: dict[str, Any] = Field(default_factory=dict, description="merged into every model request")
    mode: Literal["tokens", "chat"] = Field(
        "tokens",
        description="tokens: token-in/token-out over /v1/completions and "
        "/tokenize (vLLM); chat: messages in over /v1/chat/completions",
    )
    tool_parser: str | None = Field(
        None,
        description="tokens mode: how the environment reads tool calls out of the text "
        "(envgym.tool_parsers); default chosen from the model name",
    )
    template_kwargs: dict[str, Any] = Field(
        default_factory=dict,
        description="tokens mode: chat_template_kwargs for "
        'rendering environment turns, e.g. {"enable_thinking": false}',
    )
    tool_role: Literal["tool", "user"] = Field(
        "tool",
        description="tokens mode: 'user' for templates without a tool role "
        "(environment messages become one user message)",
    )


class RolloutRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    env: str
    task_id: str
    model: ModelEndpoint
    n: int = Field(1, ge=1, le=1024)
    seed: int | None = Field(None, description="rollout i gets seed + i")
    options: dict[str, Any] = Field(default_factory=dict, description="environment options (e.g. max_turns)")
    concurrency: int = Field(16, ge=1, le=1024, description="rollouts played at once")
    stream: bool = Field(False, description="answer with NDJSON lines, one rollout as each finishes, then a summary")
    max_total_tokens: int | None = Field(
        None, ge=1, description="token budget per rollout (the whole sequence, prompt included); tokens mode only"
    )
    policy_version: int = Field(
        0, description="the policy version sampling these rollouts; carried into every result and turn"
    )


class TokenTurn(BaseModel):
    """One model call: what the server returned about tokens (fields absent when it returned none)."""

    model_config = ConfigDict(extra="allow")
    finish_reason: str | None = None
    prompt_token_ids: list[int] | None = None
    token_ids: list[int] | None = None
    logprobs: list[float] | None = None
    policy_version: int | None = None
    usage: dict[str, Any] = Field(default_factory=dict)


class Rollout(BaseModel):
    index: int
    seed: int | None = None
    policy_version: int | None = None
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
    def from_record(cls, index: int, record: EpisodeRecord, policy_version: int | None = None) -> "Rollout":
        turns = [
            TokenTurn.model_validate(
                {"policy_version": policy_version, **{k: v for k, v in t.items() if k != "latency_s"}}
            )
            for t in record.extra.get("turns", [])
        ]
        error = {k: v for k, v in record.error.items() if k != "traceback"} if record.error else None
        kept = {k: getattr(record, k) for k in ("seed", "status", "reward", "grade", "turns", "messages", "usage")}
        return cls(
            index=index, policy_version=policy_version, token_turns=turns, error=error, timings=record.timings, **kept
        )


class RolloutResponse(BaseModel):
    env: str
    task_id: str
    model: str
    policy_version: int = 0
    rollouts: list[Rollout]
    status_counts: dict[str, int]
    mean_reward: float | None = Field(None, description="over completed/truncated rollouts only; errors are not zeros")


class RolloutSummary(BaseModel):
    """The last NDJSON line of a streamed answer."""

    done: Literal[True] = True
    env: str
    task_id: str
    model: str
    policy_version: int
    status_counts: dict[str, int]
    mean_reward: float | None = None


def agent_for(endpoint: ModelEndpoint, *, max_total_tokens: int | None = None, policy_version: int = 0) -> OpenAIAgent:
    common: dict[str, Any] = dict(
        model=endpoint.name,
        base_url=endpoint.base_url,
        api_key=endpoint.api_key,
        system_prompt=endpoint.system_prompt,
        sampling=endpoint.sampling,
        max_turns=endpoint.max_turns,
        retries=endpoint.retries,
        timeout=endpoint.timeout,
        logprobs=endpoint.logprobs,
        extra_body=endpoint.extra_body,
    )
    if endpoint.mode == "tokens":
        return TokenAgent(
            **common,
            tool_parser=endpoint.tool_parser,
            max_total_tokens=max_total_tokens,
            policy_version=policy_version,
            template_kwargs=endpoint.template_kwargs,
            tool_role=endpoint.tool_role,
        )
    return OpenAIAgent(**common, return_token_ids=endpoint.return_token_ids)


def summarize(request: RolloutRequest, task_id: str, env_id: str, rollouts: list[Rollout]) -> RolloutSummary:
    scored = [r.reward for r in rollouts if not r.status.is_error]
    return RolloutSummary(
        env=env_id,
        task_id=task_id,
        model=request.model.name,
        policy_version=request.policy_version,
        status_counts=dict(Counter(r.status.value for r in rollouts)),
        mean_reward=(sum(scored) / len(scored)) if scored else None,
    )


# Rollout tasks abandoned by a cancelled consumer finish closing their episodes on their own; this
# keeps them referenced until then.
_CLOSING: set[asyncio.Task[Any]] = set()


async def iter_rollouts(
    request: RolloutRequest,
    task: Task,
    env_cls: type[Environment],
    env_id: str,
    new_episode: Callable[[], Episode],
) -> AsyncGenerator[Rollout, None]:
    """Play ``request.n`` episodes of ``task`` and yield each ``Rollout`` as it finishes (any order;
    ``index`` says which). ``new_episode`` gives a fresh handle each time. Closing the iterator early
    (or cancelling its consumer) cancels the episodes still running; each closes its own session."""
    agent = agent_for(request.model, max_total_tokens=request.max_total_tokens, policy_version=request.policy_version)
    gate = asyncio.Semaphore(request.concurrency)

    async def one(i: int) -> Rollout:
        seed = None if request.seed is None else request.seed + i
        try:
            async with gate:
                record = await run_episode(new_episode(), agent, task, env_cls, seed=seed, env_id=env_id)
            return Rollout.from_record(i, record, request.policy_version)
        except Exception as exc:  # noqa: BLE001 — a slot is never lost; run_episode itself does not raise
            error = {"code": getattr(exc, "code", "env_error"), "message": f"{type(exc).__name__}: {exc}"}
            return Rollout(
                index=i, seed=seed, policy_version=request.policy_version, status=EpisodeStatus.env_error, error=error
            )

    tasks = [asyncio.ensure_future(one(i)) for i in range(request.n)]
    try:
        for next_done in asyncio.as_completed(tasks):
            yield await next_done
    finally:
        pending = [t for t in tasks if not t.done()]
        for t in pending:
            t.cancel()
            _CLOSING.add(t)
            t.add_done_callback(_CLOSING.discard)
        # The agent's connections stay open until the cancelled episodes have unwound.
        closer = asyncio.ensure_future(_close_after(pending, agent))
        _CLOSING.add(closer)
        closer.add_done_callback(_CLOSING.discard)


async def _close_after(tasks: list[asyncio.Task[Any]], agent: OpenAIAgent) -> None:
    await asyncio.gather(*tasks, return_exceptions=True)
    await agent.aclose()


async def run_rollouts(
    request: RolloutRequest,
    task: Task,
    env_cls: type[Environment],
    env_id: str,
    new_episode: Callable[[], Episode],
) -> RolloutResponse:
    """Play ``request.n`` episodes of ``task``; all of them, in index order."""
    rollouts = [r async for r in iter_rollouts(request, task, env_cls, env_id, new_episode)]
    rollouts.sort(key=lambda r: r.index)
    summary = summarize(request, task.id, env_id, rollouts)
    return RolloutResponse(rollouts=rollouts, **summary.model_dump(exclude={"done"}))


async def stream_rollouts(
    url: str,
    request: RolloutRequest | dict[str, Any],
    *,
    token: str | None = None,
    client: httpx.AsyncClient | None = None,
    timeout: float = 3600.0,
) -> AsyncIterator[Rollout | RolloutSummary]:
    """``POST /v1/rollouts`` with ``stream=true`` on an envgym server at ``url``: yields each ``Rollout``
    as the server finishes it, then the ``RolloutSummary``. Leaving the loop early closes the
    connection, which cancels the rollouts still running. Server errors are raised typed.

    Example:
        >>> # async for item in stream_rollouts("http://127.0.0.1:8000", request):
        >>> #     if isinstance(item, Rollout): train_on(item)
    """
    body = request.model_dump(exclude_none=True) if isinstance(request, RolloutRequest) else dict(request)
    body["stream"] = True
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    own = client is None
    client = client or httpx.AsyncClient(timeout=timeout)
    try:
        async with client.stream("POST", f"{url.rstrip('/')}/v1/rollouts", json=body, headers=headers) as response:
            if response.status_code != 200:
                await response.aread()
                raise error_from_response(response)
            async for line in response.aiter_lines():
                if not line.strip():
                    continue
                data = json.loads(line)
                yield RolloutSummary.model_validate(data) if data.get("done") else Rollout.model_validate(data)
    finally:
        if own:
            await client.aclose()


__all__ = [
    "ModelEndpoint",
    "RolloutRequest",
    "RolloutResponse",
    "RolloutSummary",
    "Rollout",
    "TokenTurn",
    "run_rollouts",
    "iter_rollouts",
    "stream_rollouts",
    "summarize",
    "agent_for",
]
