"""A multi-turn coding episode (coding/humaneval-tools) driven by the `openai` agent through tool calls."""

from __future__ import annotations

import asyncio

import pytest

pytest.importorskip("envgym_coding")

from envgym.eval.runner import EvalConfig, EvalRunner  # noqa: E402
from envgym.kernel.families import resolve  # noqa: E402
from envgym.testing.openai_server import chat_response, tool_call  # noqa: E402

TASK = "HumanEval-0"


def coding_model(body):
    """Try a wrong draft, see it fail, then run and submit the right code — one call per turn."""
    task = resolve("coding/humaneval-tools").get_task(TASK)
    full = task.payload["prompt"] + task.private["canonical_solution"]
    entry = task.payload["entry_point"]
    turn = sum(m["role"] == "assistant" for m in body["messages"])
    script = [
        tool_call("run_python", {"code": "raise SystemExit('draft failed')"}),
        tool_call("run_python", {"code": full + f"\nprint('ok', {entry}.__name__)\n"}),
        tool_call("submit", {"code": full}),
    ]
    return chat_response(tool_calls=[script[min(turn, 2)]])


def test_openai_agent_solves_a_coding_task_through_tool_calls(tmp_path, model):
    model.handler = coding_model
    cfg = EvalConfig(
        env="coding/humaneval-tools",
        agent="openai",
        model="scripted",
        base_url=model.base_url,
        out=tmp_path,
        task_ids=[TASK],
    )
    record = asyncio.run(EvalRunner(cfg).run()).records[0]
    assert record.status.value == "completed" and record.reward == 1.0, record.error or record.grade
    assert record.turns == 3
    outputs = [m.text() for m in record.messages if m.role == "tool"]
    assert "draft failed" in outputs[0] and "ok has_close_elements" in outputs[1]
    assert {"run_python", "submit"} <= {t["function"]["name"] for t in model.requests[0]["tools"]}
