"""A multi-turn terminal episode driven by the `openai` agent through bash tool calls, and its
regrade by replay (the terminal family grades the final sandbox state)."""

from __future__ import annotations

import asyncio

import pytest

pytest.importorskip("envgym_terminal")

from envgym.eval.regrade import regrade_run  # noqa: E402
from envgym.eval.runner import EvalConfig, EvalRunner  # noqa: E402
from envgym.kernel.families import resolve  # noqa: E402
from envgym.testing.openai_server import chat_response, tool_call  # noqa: E402

TASK = "count-errors"


def terminal_model(body):
    """Look around, run the reference solution, check, submit — one tool call per turn."""
    from envgym_terminal.environment import oracle_command

    task = resolve("terminal/core").get_task(TASK)
    turn = sum(m["role"] == "assistant" for m in body["messages"])
    script = [
        tool_call("bash", {"command": "pwd && ls"}),
        tool_call("bash", {"command": oracle_command(task)}),
        tool_call("bash", {"command": "echo checked"}),
        tool_call("submit"),
    ]
    return chat_response(f"step {turn}", tool_calls=[script[min(turn, 3)]])


def test_openai_agent_solves_a_terminal_task_through_tool_calls_and_regrade_replays_it(tmp_path, model):
    model.handler = terminal_model
    cfg = EvalConfig(
        env="terminal/core", agent="openai", model="scripted", base_url=model.base_url, out=tmp_path, task_ids=[TASK]
    )
    result = asyncio.run(EvalRunner(cfg).run())
    record = result.records[0]
    assert record.status.value == "completed" and record.reward == 1.0, record.error or record.grade
    assert record.turns == 4
    tool_outputs = [m.text() for m in record.messages if m.role == "tool"]
    assert any("checked" in t for t in tool_outputs)
    assert {t["function"]["name"] for t in model.requests[0]["tools"]} == {"bash", "submit"}

    regraded = asyncio.run(regrade_run(tmp_path))
    info = regraded.records[0].extra["regrade"]
    assert info["ok"] is True and info["changed"] is False, info
    assert regraded.records[0].reward == 1.0
