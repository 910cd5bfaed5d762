"""Protocol 1.1: ``StepResult.status``, ``grade`` and ``error`` are typed fields, settled by
``Environment.step`` and mirrored in ``info`` as before; an answer without them (a protocol 1.0
server, a family that put its outcome in ``info``) gets them from ``info``."""

from __future__ import annotations

import json

from envgym import Action, EpisodeStatus
from envgym.agents.builtin import OracleAgent
from envgym.agents.loop import run_episode
from envgym.builtin.debug import DebugEnvironment
from envgym.protocol import ErrorInfo, Grade, Observation, StepResult, fill_outcome_from_info
from envgym.protocol.ws import SERVER_MESSAGE


def assert_mirrored(result: StepResult) -> None:
    info = result.info
    assert info["status"] == result.status.value
    assert info.get("grade") == (result.grade.model_dump() if result.grade is not None else None)
    assert info.get("error") in ((None,) if result.error is None else (result.error.model_dump(), result.error_dict()))


async def test_in_process_steps_carry_the_typed_outcome_mirrored_in_info():
    env = DebugEnvironment("counter")
    await env.reset(DebugEnvironment.get_task("counter", "count-to-1"))
    bad = await env.step("just text")
    assert_mirrored(bad)
    assert bad.status is EpisodeStatus.running and bad.grade is None
    assert bad.error is not None and bad.error.code == "invalid_action" and bad.info["error"] == bad.error.model_dump()
    ok = await env.step(Action.call("increment"))
    assert_mirrored(ok)
    assert (ok.status, ok.grade, ok.error, ok.info["turn"]) == (EpisodeStatus.running, None, None, 2)
    final = await env.step(Action.call("submit"))
    assert_mirrored(final)
    assert final.status is EpisodeStatus.completed and final.grade is not None and final.grade.passed
    assert final.grade == env.final_grade and final.final_status is EpisodeStatus.completed
    await env.close()


async def test_truncation_and_failures_are_typed_too():
    env = DebugEnvironment("counter", options={"max_turns": 1})
    await env.reset(DebugEnvironment.get_task("counter", "count-to-5"))
    truncated = await env.step(Action.call("increment"))
    assert_mirrored(truncated)
    assert truncated.truncated and truncated.status is EpisodeStatus.truncated and truncated.grade is None

    class Broken(DebugEnvironment):
        async def on_step(self, action):
            raise RuntimeError("boom")

    broken = Broken("echo")
    await broken.reset(DebugEnvironment.get_task("echo", "echo-0"))
    failed = await broken.step("x")
    assert_mirrored(failed)
    assert failed.status is EpisodeStatus.env_error and failed.error is not None and "boom" in failed.error.message
    # info["error"] keeps the 1.0 shape (traceback inline); the typed error has it in details.
    assert set(failed.info["error"]) == {"code", "message", "traceback"}
    assert failed.error.details["traceback"] == failed.info["error"]["traceback"]


async def test_a_family_that_gives_its_outcome_in_info_only_still_gets_typed_fields():
    class OldStyle(DebugEnvironment):
        async def on_step(self, action):
            grade = Grade.grader_error("the judge did not answer")
            return StepResult(
                observation=Observation.user("done"),
                terminated=True,
                info={"status": "grader_error", "grade": grade.model_dump()},
            )

    env = OldStyle("echo")
    await env.reset(DebugEnvironment.get_task("echo", "echo-0"))
    result = await env.step("x")
    assert_mirrored(result)
    assert result.status is EpisodeStatus.grader_error and env.status is EpisodeStatus.grader_error
    assert result.grade is not None and result.grade.error == "the judge did not answer"


async def test_run_episode_reads_the_typed_outcome():
    class Broken(DebugEnvironment):
        async def on_step(self, action):
            raise RuntimeError("boom")

    task = DebugEnvironment.get_task("counter", "count-to-2")
    record = await run_episode(DebugEnvironment("counter"), OracleAgent(), task, DebugEnvironment)
    assert record.status is EpisodeStatus.completed and record.grade is not None and record.grade.passed
    record = await run_episode(Broken("counter"), OracleAgent(), task, DebugEnvironment)
    assert record.status is EpisodeStatus.env_error and record.error is not None
    assert set(record.error) == {"code", "message", "traceback"} and "boom" in record.error["message"]


# A protocol 1.0 server's answers: the outcome in info only.
OLD_FINAL = {
    "observation": {"messages": [{"role": "user", "content": "Reward: 1"}]},
    "reward": 1.0,
    "terminated": True,
    "truncated": False,
    "info": {"status": "completed", "grade": {"reward": 1.0, "passed": True}, "turn": 2},
}
OLD_FAILED = {
    "observation": {},
    "terminated": True,
    "info": {"status": "env_error", "error": {"code": "env_error", "message": "boom", "traceback": "Traceback..."}},
}
OLD_INVALID = {
    "observation": {},
    "info": {"status": "running", "error": {"code": "invalid_action", "message": "no", "details": {"x": 1}}, "turn": 1},
}


def test_an_old_servers_json_parses_into_the_typed_fields():
    final = StepResult.model_validate_json(json.dumps(OLD_FINAL))
    assert final.status is EpisodeStatus.completed and final.grade == Grade(reward=1.0, passed=True)
    assert final.error is None and final.info == OLD_FINAL["info"]
    failed = StepResult.model_validate(OLD_FAILED)
    assert failed.status is EpisodeStatus.env_error and failed.grade is None
    assert failed.error == ErrorInfo(code="env_error", message="boom", details={"traceback": "Traceback..."})
    assert failed.error_dict() == OLD_FAILED["info"]["error"]
    invalid = StepResult.model_validate_json(json.dumps(OLD_INVALID))
    assert invalid.status is EpisodeStatus.running and invalid.error == ErrorInfo(
        code="invalid_action", message="no", details={"x": 1}
    )
    # Nested in a WebSocket reply (the client fills it, envgym.client.ws); a truncated step with no status.
    reply = SERVER_MESSAGE.validate_json(json.dumps({"type": "step", "result": OLD_FINAL}))
    assert fill_outcome_from_info(reply.result).status is EpisodeStatus.completed
    bare = StepResult.model_validate({"observation": {}, "truncated": True})
    assert bare.status is EpisodeStatus.running and bare.final_status is EpisodeStatus.truncated


def test_new_fields_win_over_info_and_odd_mirrors_are_tolerated():
    new = StepResult.model_validate(
        {"observation": {}, "status": "completed", "grade": None, "error": None, "info": {"status": "env_error"}}
    )
    assert new.status is EpisodeStatus.completed  # a 1.1 answer is read as it is
    odd = StepResult.model_validate({"observation": {}, "info": {"status": "dancing", "grade": {"reward": "x"}}})
    assert odd.status is EpisodeStatus.running and odd.grade is None and odd.info["status"] == "dancing"
    assert StepResult(observation=Observation()).model_dump()["status"] == "running"
