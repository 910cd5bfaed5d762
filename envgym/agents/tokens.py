"""Token-in/token-out conversations: the policy's sampled tokens are kept exactly as sampled, and only
the environment's turns are rendered through the chat template, as token deltas appended after them.

Re-rendering a whole conversation every turn (messages in, chat template on the model server)
breaks whenever the template does not reproduce what the model sampled — a malformed tool call it
re-serialises, reasoning it strips from past turns, a reply cut off by the token budget. Here the
context only ever grows by appending: the model's ids (with their logprobs and the policy version
that sampled them) and, after each environment turn, the ids the template gives those messages.

How an environment turn becomes a delta: the renderer renders a fixed placeholder conversation
``[user Q, assistant A]`` alone and followed by the environment's messages (with the generation
prompt); the delta is what follows the placeholder assistant's closing tokens. The closing tokens
(``<|im_end|>\\n``, ``<|eot_id|>``, ``<end_of_turn>\\n``...) are learnt once, as the common suffix of
two placeholder renders that differ only in the assistant's text. If the model's reply did not end
with them (cut by ``max_tokens``, or stopped on a stop string), they are appended as environment
tokens first, so the next turn starts where the template would start it.

A ``Renderer`` renders messages to ids: ``ServerRenderer`` asks the model server (vLLM's
``POST /tokenize`` with ``messages``), ``TokenizerRenderer`` uses a local ``transformers`` tokenizer.

Example:
    >>> class Toy:   # a renderer: one id per word, role markers, 0 = end of turn
    ...     async def render(self, messages, tools=None, add_generation_prompt=False):
    ...         ids = [w for m in messages for w in [{"user": 1, "assistant": 2, "tool": 3}[m["role"]],
    ...                *[sum(map(ord, x)) % 90 + 10 for x in (m["content"] or "").split()], 0]]
    ...         return ids + [2] if add_generation_prompt else ids
    >>> import asyncio
    >>> async def demo():
    ...     t = TokenTranscript(Toy())
    ...     await t.start([{"role": "user", "content": "hi there"}])
    ...     t.add_model([15, 16], [-0.1, -0.2], policy_version=3)            # cut before its end-of-turn id
    ...     await t.add_environment([{"role": "tool", "content": "ok"}])
    ...     return t.ids, t.mask, t.versions
    >>> asyncio.run(demo())
    ([1, 39, 96, 0, 2, 15, 16, 0, 3, 48, 0, 2], [0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0], [-1, -1, -1, -1, -1, 3, 3, -1, -1, -1, -1, -1])
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any, Protocol, Sequence

import httpx

from envgym.protocol.errors import EnvgymError

__all__ = [
    "Renderer",
    "ServerRenderer",
    "TokenizerRenderer",
    "TokenTranscript",
    "RenderError",
    "TemplateShape",
    "template_shape",
    "common_prefix",
]

_Q = "envgym placeholder question"
_A1, _A2 = "envgym placeholder reply 1", "envgym placeholder reply 2"


class RenderError(EnvgymError):
    """The chat template could not render an environment turn as an append-only delta."""

    code = "render_error"
    http_status = 502


class Renderer(Protocol):
    async def render(
        self,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None = None,
        add_generation_prompt: bool = False,
    ) -> list[int]: ...


def _plain(messages: Sequence[Any]) -> list[dict[str, Any]]:
    dicts = (m.model_dump(exclude_none=True) if hasattr(m, "model_dump") else dict(m) for m in messages)
    return [{k: v for k, v in d.items() if k != "tool_parser"} for d in dicts]


class TokenizerRenderer:
    """Renders with a local ``transformers`` tokenizer's chat template (in a worker thread: rendering
    long conversations is CPU work). ``template_kwargs`` go to the template (e.g. ``enable_thinking``)."""

    def __init__(self, tokenizer: Any, **template_kwargs: Any) -> None:
        self.tokenizer = tokenizer
        self.template_kwargs = template_kwargs

    def render_sync(
        self,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None = None,
        add_generation_prompt: bool = False,
    ) -> list[int]:
        out = self.tokenizer.apply_chat_template(
            _plain(messages),
            tools=tools or None,
            tokenize=True,
            add_generation_prompt=add_generation_prompt,
            **self.template_kwargs,
        )
        if isinstance(out, dict) or hasattr(out, "keys"):  # transformers 5 returns a BatchEncoding
            out = out["input_ids"]
        return [int(x) for x in out]

    async def render(
        self,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None = None,
        add_generation_prompt: bool = False,
    ) -> list[int]:
        return await asyncio.to_thread(self.render_sync, messages, tools, add_generation_prompt)


class ServerRenderer:
    """Renders with the model server's own chat template: vLLM's ``POST /tokenize`` with ``messages``
    (at the server root, next to ``/v1``). ``template_kwargs`` are sent as ``chat_template_kwargs``."""

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        client: httpx.AsyncClient | None = None,
        api_key: str | None = None,
        timeout: float = 60.0,
        **template_kwargs: Any,
    ) -> None:
        root = base_url.rstrip("/")
        self.url = (root[:-3] if root.endswith("/v1") else root) + "/tokenize"
        self.model = model
        self.template_kwargs = template_kwargs
        self._client = client
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.timeout = timeout

    async def render(
        self,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None = None,
        add_generation_prompt: bool = False,
    ) -> list[int]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": _plain(messages),
            "add_generation_prompt": add_generation_prompt,
            "add_special_tokens": False,
        }
        if tools:
            body["tools"] = tools
        if self.template_kwargs:
            body["chat_template_kwargs"] = self.template_kwargs
        client = self._client or httpx.AsyncClient(timeout=self.timeout)
        try:
            response = await client.post(self.url, json=body, headers=self._headers)
        except httpx.HTTPError as exc:
            raise RenderError(
                f"the model server's /tokenize at {self.url} failed: {type(exc).__name__}: {exc}"
            ) from exc
        finally:
            if self._client is None:
                await client.aclose()
        if response.status_code != 200:
            raise RenderError(
                f"the model server's /tokenize answered HTTP {response.status_code}: {response.text[:500]}; "
                "token-in/token-out rollouts need a server that renders chat templates there (vLLM does)",
                details={"url": self.url, "http_status": response.status_code},
            )
        tokens = response.json().get("tokens")
        if not isinstance(tokens, list):
            raise RenderError(f"the model server's /tokenize answer has no token list: {response.text[:200]}")
        return [int(t) for t in tokens]


@dataclass(frozen=True)
class TemplateShape:
    """What a template puts after an assistant message (``close``: its end-of-turn ids) and the last
    ids of the placeholder reply that precede it (how the reply's end is found again), learnt once
    per renderer and tool list."""

    close: tuple[int, ...]
    marker_tail: tuple[int, ...]  # the placeholder reply's last distinct ids, followed by ``close``


def common_prefix(a: Sequence[int], b: Sequence[int]) -> int:
    """How many ids ``a`` and ``b`` share from the start (where they first differ).

    Example:
        >>> common_prefix([1, 2, 3], [1, 2, 4]), common_prefix([1, 2], [1, 2, 3])
        (2, 2)
    """
    return next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))


def _find(haystack: Sequence[int], needle: Sequence[int], start: int = 0) -> int:
    n = len(needle)
    first = needle[0]
    at = range(start, len(haystack) - n + 1)
    return next((i for i in at if haystack[i] == first and list(haystack[i : i + n]) == list(needle)), -1)


def _placeholder(reply: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": _Q}, {"role": "assistant", "content": reply}]


async def template_shape(renderer: Renderer, tools: list[dict[str, Any]] | None = None) -> TemplateShape:
    """Learn a template's end-of-turn ids from two placeholder renders (see the module docstring)."""
    one = await renderer.render(_placeholder(_A1), tools)
    two = await renderer.render(_placeholder(_A2), tools)
    suffix = common_prefix(one[::-1], two[::-1])
    prefix = common_prefix(one, two)
    if suffix == 0:
        raise RenderError(
            "the chat template writes nothing after an assistant message (no end-of-turn token), so the "
            "model's turn boundary cannot be found"
        )
    close = tuple(one[len(one) - suffix :])
    tail = tuple(one[prefix : len(one) - suffix])
    if not tail:
        raise RenderError("the chat template renders two different assistant replies to the same ids")
    return TemplateShape(close=close, marker_tail=tail)


@dataclass
class TokenTranscript:
    """One conversation as the policy saw and produced it: ``ids``, ``mask`` (1 on sampled ids),
    ``logprobs`` (0.0 off the mask), ``versions`` (the policy version per sampled id, -1 off the mask).

    ``start(messages, tools)`` renders the first prompt; then ``add_model`` and ``add_environment``
    alternate. ``prompt_ids`` is what to send for the next completion (the whole context so far).
    """

    renderer: Renderer
    tools: list[dict[str, Any]] | None = None
    ids: list[int] = field(default_factory=list)
    mask: list[int] = field(default_factory=list)
    logprobs: list[float] = field(default_factory=list)
    versions: list[int] = field(default_factory=list)
    prompt_length: int = 0
    shape: TemplateShape | None = None
    # shared by transcripts of one renderer (saves two renders each)
    shape_cache: dict[str, TemplateShape] | None = None
    _closed: bool = True  # whether the last model turn ended with the template's end-of-turn ids
    _last_model: list[int] = field(default_factory=list)  # the last sampled ids (how much of the closing they hold)

    @property
    def prompt_ids(self) -> list[int]:
        return list(self.ids)

    async def start(self, messages: Sequence[Any], tools: list[dict[str, Any]] | None = None) -> list[int]:
        self.tools = tools or None
        prompt = await self.renderer.render(_plain(messages), self.tools, add_generation_prompt=True)
        self.ids, self.mask = list(prompt), [0] * len(prompt)
        self.logprobs, self.versions = [0.0] * len(prompt), [-1] * len(prompt)
        self.prompt_length = len(prompt)
        return prompt

    def _extend(
        self, ids: Sequence[int], sampled: bool, logprobs: Sequence[float] | None = None, version: int = -1
    ) -> None:
        self.ids.extend(ids)
        self.mask.extend([1 if sampled else 0] * len(ids))
        self.logprobs.extend(list(logprobs) if logprobs is not None else [0.0] * len(ids))
        self.versions.extend([version if sampled else -1] * len(ids))

    def add_model(self, ids: Sequence[int], logprobs: Sequence[float] | None, policy_version: int = 0) -> None:
        """Append what the policy sampled, verbatim."""
        if logprobs is not None and len(logprobs) != len(ids):
            raise RenderError(f"{len(logprobs)} logprobs for {len(ids)} sampled ids; they must line up one to one")
        self._extend(ids, True, logprobs, policy_version)
        self._closed = False
        self._last_model = list(ids)

    async def learn_shape(self) -> TemplateShape:
        """The template's end-of-turn ids (learnt once, see ``template_shape``)."""
        if self.shape is None:
            key = json.dumps(self.tools, sort_keys=True)
            cached = self.shape_cache.get(key) if self.shape_cache is not None else None
            self.shape = cached or await template_shape(self.renderer, self.tools)
            if self.shape_cache is not None:
                self.shape_cache[key] = self.shape
        return self.shape

    async def close_turn(self) -> list[int]:
        """Append the end-of-turn ids the model did not sample itself (reply cut off or stopped on a
        stop string); returns what was appended."""
        shape = await self.learn_shape()
        last = self._last_model
        close = list(shape.close)
        # How much of the closing sequence the model already produced (normally its stop token).
        have = next((k for k in range(min(len(close), len(last)), 0, -1) if last[-k:] == close[:k]), 0)
        added = close[have:]
        self._extend(added, False)
        self._closed = True
        return added

    async def environment_delta(self, messages: Sequence[Any]) -> list[int]:
        """The ids the template gives ``messages`` (with the next generation prompt) after an assistant turn."""
        shape = await self.learn_shape()
        base = _placeholder(_A1)
        full = await self.renderer.render(base + _plain(messages), self.tools, add_generation_prompt=True)
        anchor = list(shape.marker_tail) + list(shape.close)
        at = _find(full, anchor)
        if at < 0:
            raise RenderError(
                "the chat template renders an assistant turn differently once environment messages follow it "
                "(its end could not be found); this template cannot be extended turn by turn",
                details={"messages": len(messages)},
            )
        return full[at + len(anchor) :]

    async def add_environment(self, messages: Sequence[Any]) -> list[int]:
        """Close the model's turn if needed, then append the environment turn and the next generation prompt."""
        if not self._closed:
            await self.close_turn()
        delta = await self.environment_delta(messages)
        self._extend(delta, False)
        return delta
