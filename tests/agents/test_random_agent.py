"""The `random` agent: schema-valid random tool calls, seeded."""

from __future__ import annotations

import asyncio
import random

import jsonschema
import pytest

from envgym.agents import get_agent
from envgym.agents.loop import run_episode
from envgym.agents.random_agent import sample_schema
from envgym.builtin.debug import DebugEnvironment

SCHEMAS = [
    {
        "type": "object",
        "properties": {"by": {"type": "integer", "minimum": 1, "maximum": 10}},
        "additionalProperties": False,
        "required": [],
    },
    {
        "type": "object",
        "properties": {
            "mode": {"enum": ["a", "b"]},
            "ratio": {"type": "number", "minimum": 0.5, "maximum": 0.75},
            "tags": {"type": "array", "items": {"type": "string", "maxLength": 4}, "minItems": 1, "maxItems": 3},
            "flag": {"type": "boolean"},
            "name": {"type": "string", "minLength": 20},
        },
        "required": ["mode", "ratio", "tags", "name"],
    },
    {
        "type": "object",
        "properties": {
            "inner": {"type": "object", "properties": {"n": {"type": ["integer", "null"]}}, "required": ["n"]}
        },
        "required": ["inner"],
    },
]


@pytest.mark.parametrize("schema", SCHEMAS)
def test_samples_validate_against_their_schema(schema):
    rng = random.Random(1)
    for _ in range(200):
        jsonschema.validate(sample_schema(schema, rng), schema)


def record_for(seed_config, episode_seed, task_id="count-to-8"):
    agent = get_agent("random", seed=seed_config)
    task = DebugEnvironment.get_task("counter", task_id)
    return asyncio.run(run_episode(DebugEnvironment("counter"), agent, task, DebugEnvironment, seed=episode_seed))


def test_random_agent_plays_valid_calls_and_is_reproducible():
    a, b = record_for(0, 3), record_for(0, 3)
    assert [x.model_dump() for x in a.actions] == [x.model_dump() for x in b.actions]
    assert a.status.value in ("completed", "truncated")
    for action in a.actions:
        (call,) = action.tool_calls
        assert call.function.name in ("increment", "submit")
        if call.function.name == "increment":
            assert 1 <= call.function.parsed_arguments().get("by", 1) <= 10
    tool_errors = [m for m in a.messages if m.role == "tool" and m.text().startswith("Error")]
    assert not tool_errors  # schema-valid arguments are never rejected
    different = {tuple(x.model_dump_json() for x in record_for(0, s).actions) for s in range(6)}
    assert len(different) > 1  # the episode seed changes the play


def test_random_agent_answers_text_tasks_and_respects_its_turn_limit():
    agent = get_agent("random", max_turns=1)
    task = DebugEnvironment.get_task("echo", "echo-0")
    rec = asyncio.run(run_episode(DebugEnvironment("echo"), agent, task, DebugEnvironment))
    assert rec.status.value == "completed" and rec.actions[0].content
