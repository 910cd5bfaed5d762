"""The ``random`` agent: a baseline that acts at random but always within the rules.

With tools, each turn is one call to a uniformly chosen tool with arguments drawn from that tool's
JSON schema (types, ``enum``, ``minimum``/``maximum``, ``minLength``/``maxLength``, ``minItems``/
``maxItems``, required and optional properties), so the environment sees schema-valid calls and the
baseline measures what chance achieves. Without tools it answers a random word. It is seeded from
``seed`` (config), the task id and the episode's seed, so a run is reproducible. ``max_turns`` (default 100) ends a
wandering episode ``truncated``.

Example:
    >>> import random
    >>> schema = {"type": "object", "properties": {"by": {"type": "integer", "minimum": 1, "maximum": 3}}, "required": ["by"]}
    >>> 1 <= sample_schema(schema, random.Random(0))["by"] <= 3
    True
"""

from __future__ import annotations

import random
import string
import zlib
from typing import Any

from envgym.agents.base import Agent, AgentEpisode
from envgym.agents.openai_agent import TurnLimitReached
from envgym.kernel.environment import Environment
from envgym.protocol import Action, FunctionCall, Observation, Task, Tool, ToolCall

WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "yes", "no", "0", "1", "42", "done", "ls", "hello"]


def sample_schema(schema: dict[str, Any], rng: random.Random, depth: int = 0) -> Any:
    """A random value valid for a (simple) JSON schema."""
    if "enum" in schema and schema["enum"]:
        return rng.choice(schema["enum"])
    if "const" in schema:
        return schema["const"]
    for key in ("anyOf", "oneOf"):
        if schema.get(key):
            return sample_schema(rng.choice(schema[key]), rng, depth + 1)
    kind = schema.get("type", "string")
    if isinstance(kind, list):
        kind = rng.choice([k for k in kind if k != "null"] or ["null"])
    if kind == "integer":
        low = int(schema.get("minimum", 0))
        high = int(schema.get("maximum", max(low, 0) + 10))
        return rng.randint(low, max(low, high))
    if kind == "number":
        flow = float(schema.get("minimum", 0.0))
        fhigh = float(schema.get("maximum", flow + 10.0))
        return rng.uniform(flow, max(flow, fhigh))
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "null":
        return None
    if kind == "array":
        low = int(schema.get("minItems", 0))
        high = int(schema.get("maxItems", low + 3))
        items = schema.get("items") or {"type": "string"}
        return (
            [sample_schema(items, rng, depth + 1) for _ in range(rng.randint(low, max(low, high)))] if depth < 4 else []
        )
    if kind == "object":
        props: dict[str, Any] = schema.get("properties") or {}
        required = set(schema.get("required") or [])
        out = {}
        for name, sub in props.items():
            if name in required or (depth < 4 and rng.random() < 0.5):
                out[name] = sample_schema(sub, rng, depth + 1)
        return out
    low = int(schema.get("minLength", 1))
    high = int(schema.get("maxLength", max(low, 12)))
    word = rng.choice(WORDS)
    if low <= len(word) <= high:
        return word
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(low, max(low, min(high, low + 12)))))


class RandomEpisode(AgentEpisode):
    def __init__(self, tools: list[Tool], base_seed: int, max_turns: int) -> None:
        super().__init__()
        self.tools = tools
        self._base_seed = base_seed
        self._rng: random.Random | None = None
        self.max_turns = max_turns
        self.turns = 0

    async def act(self, observation: Observation) -> Action:
        if observation.tools is not None:
            self.tools = observation.tools
        if self.turns >= self.max_turns:
            raise TurnLimitReached(f"the random agent's limit of {self.max_turns} turns was reached")
        self.turns += 1
        if self._rng is None:  # seeded on first use: the loop sets the episode's seed after start_episode
            self._rng = random.Random(self._base_seed * 1_000_003 + (self.seed or 0))
        if not self.tools:
            return Action(content=self._rng.choice(WORDS))
        tool = self._rng.choice(self.tools)
        args = sample_schema(tool.function.parameters or {"type": "object"}, self._rng)
        return Action(
            tool_calls=[
                ToolCall(id=f"call_{self.turns}", function=FunctionCall(name=tool.function.name, arguments=args))
            ]
        )


class RandomAgent(Agent):
    name = "random"
    summary = "Random baseline: schema-valid random tool calls, or a random word for text tasks (seeded)."

    def __init__(self, seed: int = 0, max_turns: int = 100, **config: Any) -> None:
        super().__init__(seed=seed, max_turns=max_turns, **config)
        self.seed = int(seed)
        self.max_turns = int(max_turns)

    def start_episode(self, task: Task, env_cls: type[Environment], tools: list[Tool]) -> AgentEpisode:
        return RandomEpisode(tools, self.seed * 7_919 + zlib.crc32(f"{task.suite}/{task.id}".encode()), self.max_turns)


__all__ = ["RandomAgent", "sample_schema"]
