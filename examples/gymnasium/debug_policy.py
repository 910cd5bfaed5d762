"""A tiny hand-written policy for the debug environments, shared by the recipes.

It stands in for your model: it reads the observation text (what an LLM would read) and answers
with text or a JSON-encoded assistant message carrying tool calls.

* ``debug/echo``: reply with the word the prompt asks for.
* ``debug/counter``: call ``increment`` until the counter reaches the target, then ``submit``.

Example:
    >>> act("Reply with exactly this word and nothing else: delta", state={})
    'delta'
"""

from __future__ import annotations

import json
import re
from typing import Any

_TARGET = re.compile(r"until the counter is (\d+)")
_COUNTER = re.compile(r"counter = (\d+)")


def _call(name: str, arguments: dict[str, Any] | None = None, call_id: str = "c1") -> str:
    return json.dumps(
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": call_id,
                    "type": "function",
                    "function": {"name": name, "arguments": json.dumps(arguments or {})},
                }
            ],
        }
    )


def act(observation: str, state: dict[str, Any]) -> str:
    """The next action for ``observation``; ``state`` is the policy's per-episode memory (start with ``{}``)."""
    target = _TARGET.search(observation)
    if target:
        state["target"], state["counter"] = int(target.group(1)), 0
    counted = _COUNTER.findall(observation)
    if counted:
        state["counter"] = int(counted[-1])
    if "target" not in state:  # echo: the word after the colon
        return observation.rsplit(":", 1)[-1].strip()
    state["turn"] = state.get("turn", 0) + 1
    if state["counter"] >= state["target"]:
        return _call("submit", call_id=f"c{state['turn']}")
    return _call("increment", {"by": 1}, call_id=f"c{state['turn']}")
