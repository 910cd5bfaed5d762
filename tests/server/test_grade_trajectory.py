"""``POST /v1/grade``'s ``trajectory``: handed to the grader as ``submission.trajectory``, never
replayed (docs/server.md, "Grading without a session")."""

from __future__ import annotations

from server_helpers import running_app

from envgym.protocol import GradeRequest

TASK = {"id": "q", "suite": "s", "prompt": "Name the capital of France.", "private": {"answer": "Paris"}}
RUBRIC = {"criteria": [{"kind": "contains", "value": "Paris", "description": "names Paris"}]}


def test_a_submission_s_own_trajectory_wins_over_the_top_level_one() -> None:
    own = [{"role": "assistant", "content": "Paris"}]
    other = [{"role": "assistant", "content": "Lyon"}]
    req = GradeRequest(grader="rubric", task=TASK, submission={"trajectory": own}, trajectory=other)
    assert [m.content for m in req.to_submission().trajectory or []] == ["Paris"]
    req = GradeRequest(grader="rubric", task=TASK, submission={"answer": "x"}, trajectory=other)
    assert (req.to_submission().answer, req.to_submission().trajectory[0].content) == ("x", "Lyon")  # type: ignore[index]


async def test_the_trajectory_reaches_the_grader_and_is_not_replayed() -> None:
    async with running_app() as (_, raw, _):
        judged = await raw.post(
            "/v1/grade",
            json={
                "grader": "rubric",
                "grader_config": {"rubric": RUBRIC},
                "task": TASK,
                "trajectory": [
                    {"role": "user", "content": "Name the capital of France."},
                    {"role": "assistant", "content": "It is Paris."},
                ],
            },
        )
        assert judged.status_code == 200 and judged.json()["reward"] == 1.0, judged.text
        # An answer grader reads only `answer`: a trajectory alone is refused, not a silent 0.
        refused = await raw.post("/v1/grade", json={"grader": "exact", "task": TASK, "trajectory": []})
        assert refused.status_code == 422 and "answer" in refused.text
        # A family graded on an episode's state does not replay the actions it is given.
        counter = await raw.post(
            "/v1/grade",
            json={
                "env": "debug/counter",
                "task_id": "count-to-1",
                "trajectory": [{"role": "assistant", "tool_calls": [{"function": {"name": "increment"}}]}],
            },
        )
        assert counter.status_code == 200 and counter.json()["status"] == "grader_error", counter.text
        assert "does not grade submissions directly" in counter.json()["error"]


async def test_a_grader_config_typo_is_answered_422_naming_the_key() -> None:
    async with running_app() as (_, raw, _):
        refused = await raw.post(
            "/v1/grade",
            json={
                "grader": "exact",
                "grader_config": {"case_sensitve": False},
                "task": TASK,
                "submission": {"answer": "paris"},
            },
        )
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["code"] == "invalid_request" and error["details"]["key"] == "exact.case_sensitve"
    assert "did you mean 'exact.case_sensitive'?" in error["message"]
