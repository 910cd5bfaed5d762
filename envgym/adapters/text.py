"""One envgym session played on raw text: what every token-in/token-out trainer adapter needs
(SkyRL's ``BaseTextEnv``, verl's agent loop, OpenRLHF's agent instance).

The model's reply goes to the environment as it is, with ``tool_parser`` naming how to read tool
calls out of it (chosen from the model's name when not given), so a malformed or cut-off call is
answered by the environment as the agent's mistake. ``AsyncTextEpisode`` runs on asyncio;
``TextEpisode`` is its blocking form (SkyRL and the trainers' worker threads call it that way).

Example::

        ep = TextEpisode("http://127.0.0.1:8000", "debug/counter", tool_parser="hermes")
        first = ep.start("count-to-1")                      # the environment's first messages
        turn = ep.step('<tool_call>{"name": "increment", "arguments": {}}</tool_call>')
        turn.messages, turn.done, turn.reward
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from envgym.client import AsyncClient
from envgym.kernel.sync import Blocking, blocking_method
from envgym.protocol import Action, EpisodeStatus, ErrorInfo, Grade, StepResult

__all__ = ["TextTurn", "TextEpisode", "AsyncTextEpisode"]


@dataclass
class TextTurn:
    """What one text action did: the environment's messages (OpenAI format), reward, whether the
    episode ended, its status, grade and error (the step's typed outcome) and the step's ``info``
    (parsed tool calls, ...)."""

    messages: list[dict[str, Any]]
    reward: float
    done: bool
    status: EpisodeStatus
    info: dict[str, Any] = field(default_factory=dict)
    grade: Grade | None = None
    error: ErrorInfo | None = None

    @classmethod
    def of(cls, result: StepResult, tool_role: str) -> "TextTurn":
        messages = [m.model_dump(exclude_none=True) for m in result.observation.messages]
        if tool_role == "user":  # templates without a tool role: the environment speaks as the user
            from envgym.agents.token_agent import environment_messages

            messages = environment_messages(messages, "user") if messages else []
        return cls(
            messages=messages,
            reward=float(result.reward),
            done=result.done,
            status=result.final_status,
            info=dict(result.info),
            grade=result.grade,
            error=result.error,
        )


class AsyncTextEpisode:
    """One envgym session driven by text actions, on asyncio (one ``AsyncClient`` may be shared
    across episodes: ``client=``)."""

    def __init__(
        self,
        url: str,
        env: str,
        *,
        client: AsyncClient | None = None,
        tool_parser: str | None = "hermes",
        token: str | None = None,
        ttl_s: float | None = 600.0,
        tool_role: str = "tool",
        options: dict[str, Any] | None = None,
    ) -> None:
        self.url, self.env, self.token = url, env, token
        self.tool_parser = tool_parser
        self.ttl_s = ttl_s
        self.tool_role = tool_role
        self.options = dict(options or {})
        self.session_id: str | None = None
        self.tools: list[dict[str, Any]] = []
        self.status = EpisodeStatus.running
        self.reward = 0.0
        self._own = client is None
        self.client = client or AsyncClient(url, token=self.token)

    async def start(self, task_id: str, seed: int | None = None) -> list[dict[str, Any]]:
        created = await self.client.create_session(
            self.env, task_id=task_id, seed=seed, options=self.options, ttl_s=self.ttl_s
        )
        self.session_id = created.session_id
        self.tools = [t.model_dump() for t in created.observation.tools or []]
        return [m.model_dump(exclude_none=True) for m in created.observation.messages]

    async def step(self, text: str) -> TextTurn:
        assert self.session_id is not None, "start() the episode first"
        action = Action(content=text, tool_parser=self.tool_parser if self.tools else None)
        turn = TextTurn.of(await self.client.step(self.session_id, action), self.tool_role)
        if turn.done:
            self.status, self.reward = turn.status, turn.reward
        return turn

    async def close(self) -> None:
        session_id, self.session_id = self.session_id, None
        try:
            if session_id is not None:
                await self.client.close_session(session_id)
        finally:
            if self._own:
                await self.client.aclose()


class TextEpisode(Blocking):
    """The blocking form of ``AsyncTextEpisode`` (same arguments but ``client``), on a loop thread of
    its own; its state (``session_id``, ``tools``, ``status``, ``reward``) is the async episode's."""

    def __init__(self, url: str, env: str, **kwargs: Any) -> None:
        super().__init__(name="envgym-text-episode")
        self.aio = self._build(AsyncTextEpisode, url, env, **kwargs)

    def __getattr__(self, name: str) -> Any:
        if name == "aio":  # not built yet: no episode state to read
            raise AttributeError(name)
        return getattr(self.aio, name)

    start = blocking_method(AsyncTextEpisode.start)
    step = blocking_method(AsyncTextEpisode.step)

    async def _aclose(self) -> None:
        await self.aio.close()
