"""The ``openai`` agent: a tool-calling agent for any OpenAI-compatible ``/v1/chat/completions``
endpoint (``vllm serve`` first, also OpenAI, SGLang, llama.cpp server, LiteLLM).

Each turn it sends the conversation so far plus the environment's tool schemas, and turns the
reply into an ``Action`` (content and/or tool calls; parallel tool calls are passed on as one
action). What it does with trouble:

* a malformed tool call (arguments that are not JSON, a missing name or id) is passed on to the
  environment as faithfully as possible, so the environment answers with an error observation and
  the model can try again;
* the server saying the context is too long (HTTP 400/413 mentioning the context length, or a
  reply cut off by ``length`` before saying anything) ends the episode ``truncated``;
* connection failures, timeouts, 408/409/429 and 5xx are retried with exponential back-off; when
  the retries are used up — or on any other 4xx — the episode ends ``agent_error``;
* the agent's own ``max_turns`` (model calls per episode) ends the episode ``truncated``.

Token usage is summed in ``AgentEpisode.usage``. ``extra["turns"]`` keeps per-turn facts:
``finish_reason``, latency, usage, and — when the server returns them (vLLM with
``return_token_ids``/``logprobs``) — ``prompt_token_ids``, ``token_ids`` and ``logprobs`` (one float
per generated token), so a trainer can build samples without re-tokenising.

Configuration (keyword arguments, also ``--model``/``--base-url``/``--agent-set key=value`` on the CLI):
``model``, ``base_url`` (default ``$OPENAI_BASE_URL`` or ``http://127.0.0.1:8000/v1``),
``api_key`` (default ``$OPENAI_API_KEY``), ``system_prompt``, ``sampling`` (dict passed through:
temperature, top_p, max_tokens, seed, stop, ...), ``max_turns`` (default 50), ``retries`` (default
3), ``timeout`` (seconds per request, default 600), ``backoff`` (first retry delay, default 0.5 s),
``return_token_ids`` and ``logprobs`` (ask a vLLM server for them), ``tool_choice``,
``parallel_tool_calls``, ``extra_body`` (merged into every request), ``send_images`` (attach
observation screenshots as image parts; off by default because text-only models reject them).

Example:
    >>> agent = OpenAIAgent(model="Qwen/Qwen3-8B", base_url="http://127.0.0.1:8000/v1",
    ...                     sampling={"temperature": 0.6}, max_turns=30)
    >>> agent.name
    'openai'
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import time
import uuid
from typing import Any

import httpx

from envgym.agents.base import Agent, AgentEpisode, AgentLimitReached
from envgym.kernel.environment import Environment
from envgym.protocol import Action, Observation, Task, Tool
from envgym.protocol.errors import EnvgymError

DEFAULT_SYSTEM_PROMPT = (
    "You are an agent solving a task in an environment. Use the tools provided when they help; "
    "when the task is done, give your final answer or call the tool that submits it."
)

_CONTEXT_PATTERNS = re.compile(
    r"context[ _-]?length|maximum context|context window|too many tokens|prompt is too long|"
    r"input is too long|reduce the length|exceeds? the (?:model'?s? )?(?:max|limit)",
    re.IGNORECASE,
)
_RETRY_STATUSES = frozenset({408, 409, 425, 429, 500, 502, 503, 504})


class ModelError(EnvgymError):
    """The model endpoint failed (after retries) or rejected the request: the episode is ``agent_error``."""

    code = "model_error"
    http_status = 502


class ContextLengthExceeded(AgentLimitReached):
    """The conversation no longer fits the model's context: the episode ends ``truncated``."""

    code = "context_length_exceeded"


class TurnLimitReached(AgentLimitReached):
    """The agent's own ``max_turns`` was used up: the episode ends ``truncated``."""

    code = "max_turns"


def _error_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:2000]
    err = body.get("error", body) if isinstance(body, dict) else body
    if isinstance(err, dict):
        err = err.get("message") or err.get("detail") or err
    return str(err)[:2000]


def _sanitize_tool_calls(raw: Any) -> list[dict[str, Any]] | None:
    """Make a model's tool calls structurally valid without changing what they say, so the
    environment (not a validation error here) tells the model what was wrong with them."""
    if not raw:
        return None
    calls = []
    for i, call in enumerate(raw if isinstance(raw, list) else [raw]):
        call = call if isinstance(call, dict) else {"function": {"name": "", "arguments": str(call)}}
        fn = call.get("function")
        if not isinstance(fn, dict):
            fn = {}
        args = fn.get("arguments", "{}")
        if not isinstance(args, str):
            args = json.dumps(args)
        call_id = str(call.get("id") or f"call_{uuid.uuid4().hex[:12]}_{i}")
        function = {"name": str(fn.get("name") or ""), "arguments": args}
        calls.append({"id": call_id, "type": "function", "function": function})
    return calls


def logprobs_field(choice: dict[str, Any], key: str) -> Any:
    """A field of a choice's ``logprobs`` object (a chat answer's ``content``, a completion's ``tokens``
    and ``token_logprobs``), or None."""
    logprobs = choice.get("logprobs")
    return logprobs.get(key) if isinstance(logprobs, dict) else None


def token_ids_of(tokens: Any) -> list[int] | None:
    """The ids of tokens rendered as "token_id:N" (vLLM with ``return_tokens_as_token_ids``), or None."""
    if not tokens or not all(isinstance(t, str) and t.startswith("token_id:") for t in tokens):
        return None
    return [int(t.split(":", 1)[1]) for t in tokens]


class ModelEpisode(AgentEpisode):
    """What the episodes of both model agents (chat and tokens) keep: the model turns taken, the
    summed usage and, in ``extra["turns"]``, a record per model call."""

    def __init__(self, agent: "OpenAIAgent") -> None:
        super().__init__()
        self.agent = agent
        self.turns = 0
        self.usage = {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0, "requests": 0}
        self.extra["turns"] = []
        self.extra["model"] = agent.model

    def _take_turn(self) -> None:
        if self.turns >= self.agent.max_turns:
            raise TurnLimitReached(f"the agent's limit of {self.agent.max_turns} model turns was reached")
        self.turns += 1

    async def _call(self, body: dict[str, Any], path: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        """One model call: the answer, its first choice and the start of its turn record (usage summed)."""
        started = time.monotonic()
        data = await self.agent.complete(body, path)
        latency = time.monotonic() - started
        choices = data.get("choices") or []
        if not choices or not isinstance(choices[0], dict):
            raise ModelError("the model server answered without choices", details={"response": str(data)[:2000]})
        usage = data.get("usage") or {}
        for key in ("prompt_tokens", "completion_tokens", "total_tokens"):
            if isinstance(usage.get(key), int):
                self.usage[key] += usage[key]
        self.usage["requests"] += 1
        turn = {"finish_reason": choices[0].get("finish_reason"), "latency_s": round(latency, 4), "usage": usage}
        return data, choices[0], turn


class OpenAIEpisode(ModelEpisode):
    def __init__(self, agent: "OpenAIAgent", task: Task, tools: list[Tool]) -> None:
        super().__init__(agent)
        self.tools = tools
        self.history: list[dict[str, Any]] = []
        if agent.system_prompt:
            self.history.append({"role": "system", "content": agent.system_prompt})
        self._unanswered: list[str] = []

    def _add_observation(self, observation: Observation) -> None:
        if observation.tools is not None:
            self.tools = observation.tools
        answered = {m.tool_call_id for m in observation.messages if m.role == "tool"}
        # Chat APIs reject an assistant tool call that no tool message answers; when the environment
        # replied to the whole action instead (e.g. "Error: ..."), say so in each call's slot.
        for call_id in self._unanswered:
            if call_id not in answered:
                note = "(no result for this call; see the next message)"
                self.history.append({"role": "tool", "tool_call_id": call_id, "content": note})
        self._unanswered = []
        for message in observation.messages:
            self.history.append(message.model_dump(exclude_none=True))
        if observation.image and self.agent.send_images:
            image = {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{observation.image}"}}
            self.history.append({"role": "user", "content": [image]})

    def _request_body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.agent.model, "messages": self.history, **self.agent.sampling}
        if self.tools:
            body["tools"] = [t.model_dump() for t in self.tools]
            if self.agent.tool_choice is not None:
                body["tool_choice"] = self.agent.tool_choice
            if self.agent.parallel_tool_calls is not None:
                body["parallel_tool_calls"] = self.agent.parallel_tool_calls
        if self.agent.logprobs:
            body["logprobs"] = True
        if self.agent.return_token_ids:
            body["return_token_ids"] = True
        body.update(self.agent.extra_body)
        return body

    async def act(self, observation: Observation) -> Action:
        self._add_observation(observation)
        self._take_turn()
        data, choice, turn = await self._call(self._request_body(), "/chat/completions")
        message = choice.get("message") or {}
        finish_reason = choice.get("finish_reason")
        content = message.get("content")
        tool_calls = _sanitize_tool_calls(message.get("tool_calls"))
        per_token = logprobs_field(choice, "content") or []
        tokens = {
            "prompt_token_ids": data.get("prompt_token_ids") or choice.get("prompt_token_ids"),
            "token_ids": choice.get("token_ids") or token_ids_of([str(e.get("token", "")) for e in per_token]),
            "logprobs": [float(e.get("logprob", 0.0)) for e in per_token] or None,
        }
        turn.update((key, value) for key, value in tokens.items() if value is not None)
        self.extra["turns"].append(turn)
        if finish_reason == "length" and not content and not tool_calls:
            raise ContextLengthExceeded(
                "the model's reply was cut off by the length limit before it said anything",
                details={"finish_reason": finish_reason},
            )
        assistant: dict[str, Any] = {
            "role": "assistant",
            "content": content if isinstance(content, (str, list)) else None,
        }
        if tool_calls:
            assistant["tool_calls"] = tool_calls
            self._unanswered = [c["id"] for c in tool_calls]
        self.history.append(assistant)
        kept = {k: v for k, v in message.items() if k in ("reasoning_content", "reasoning") and v}
        return Action.model_validate({**assistant, **kept})


class OpenAIAgent(Agent):
    name = "openai"
    summary = "Tool-calling agent for any OpenAI-compatible chat-completions endpoint (vLLM, OpenAI, SGLang, ...)."

    def __init__(
        self,
        model: str | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        *,
        system_prompt: str | None = DEFAULT_SYSTEM_PROMPT,
        sampling: dict[str, Any] | None = None,
        max_turns: int = 50,
        retries: int = 3,
        timeout: float = 600.0,
        backoff: float = 0.5,
        return_token_ids: bool = False,
        logprobs: bool = False,
        tool_choice: Any = None,
        parallel_tool_calls: bool | None = None,
        extra_body: dict[str, Any] | None = None,
        send_images: bool = False,
        max_connections: int = 256,
        **sampling_kwargs: Any,
    ) -> None:
        super().__init__()
        self.model = model or os.environ.get("OPENAI_MODEL") or "default"
        self.base_url = (base_url or os.environ.get("OPENAI_BASE_URL") or "http://127.0.0.1:8000/v1").rstrip("/")
        self.api_key = api_key if api_key is not None else os.environ.get("OPENAI_API_KEY")
        self.system_prompt = system_prompt
        # Unknown keyword arguments are sampling settings (temperature=0.2 on the CLI lands here).
        self.sampling = {**(sampling or {}), **sampling_kwargs}
        self.max_turns = int(max_turns)
        self.retries = int(retries)
        self.timeout = float(timeout)
        self.backoff = float(backoff)
        self.return_token_ids = bool(return_token_ids)
        self.logprobs = bool(logprobs)
        self.tool_choice = tool_choice
        self.parallel_tool_calls = parallel_tool_calls
        self.extra_body = dict(extra_body or {})
        self.send_images = bool(send_images)
        self.max_connections = max_connections
        self._clients: dict[int, httpx.AsyncClient] = {}

    def start_episode(self, task: Task, env_cls: type[Environment], tools: list[Tool]) -> AgentEpisode:
        return OpenAIEpisode(self, task, tools)

    def _client(self) -> httpx.AsyncClient:
        # httpx clients belong to the event loop that created them; the server and the eval runner
        # each run one loop, but a sync caller may come through several.
        key = id(asyncio.get_running_loop())
        client = self._clients.get(key)
        if client is None:
            headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
            client = httpx.AsyncClient(
                base_url=self.base_url,
                headers=headers,
                timeout=self.timeout,
                limits=httpx.Limits(
                    max_connections=self.max_connections, max_keepalive_connections=self.max_connections
                ),
            )
            self._clients[key] = client
        return client

    async def complete(self, body: dict[str, Any], path: str = "/chat/completions") -> dict[str, Any]:
        """POST one chat completion (or, with ``path="/completions"``, a completion) with retries;
        raises ``ModelError`` or ``ContextLengthExceeded``."""
        client = self._client()
        last = ""
        for attempt in range(self.retries + 1):
            if attempt:
                await asyncio.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                response = await client.post(path, json=body)
            except httpx.HTTPError as exc:
                last = f"{type(exc).__name__}: {exc}"
                continue
            if response.status_code == 200:
                try:
                    data = response.json()
                except ValueError:
                    last = f"the model server sent a 200 that is not JSON: {response.text[:200]!r}"
                    continue
                if isinstance(data, dict):
                    return data
                last = "the model server sent a 200 whose body is not a JSON object"
                continue
            message = _error_message(response)
            if response.status_code in (400, 413, 422) and _CONTEXT_PATTERNS.search(message):
                raise ContextLengthExceeded(
                    f"the model's context is full: {message}", details={"http_status": response.status_code}
                )
            last = f"HTTP {response.status_code}: {message}"
            if response.status_code not in _RETRY_STATUSES:
                raise ModelError(
                    f"the model server rejected the request ({last}); check --model, --base-url and sampling settings",
                    details={"http_status": response.status_code, "base_url": self.base_url},
                )
        raise ModelError(
            f"the model server at {self.base_url} failed {self.retries + 1} times; last error: {last}",
            details={"base_url": self.base_url, "attempts": self.retries + 1},
        )

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            with contextlib.suppress(RuntimeError):  # its loop is gone; the sockets went with it
                await client.aclose()


__all__ = [
    "OpenAIAgent",
    "OpenAIEpisode",
    "ModelEpisode",
    "ModelError",
    "ContextLengthExceeded",
    "TurnLimitReached",
    "DEFAULT_SYSTEM_PROMPT",
]
