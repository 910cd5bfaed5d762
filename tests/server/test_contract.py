"""The HTTP contract is exact and strict: documented statuses, one error shape, strict request
models, one-of requirements in the schema, full ``Allow`` on 405, refusals instead of silent 0s."""

from __future__ import annotations

import json

import pytest

from envgym_server import ServerConfig, create_app

TASK = {"id": "g1", "suite": "s", "prompt": "2+2?", "private": {"answer": "4"}}


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}, body
    return body["error"]


@pytest.mark.parametrize(
    "body,named",
    [
        ({"env": "debug/echo", "task_id": "echo-1", "seed": False}, "seed"),
        ({"env": "debug/echo", "task_id": "echo-1", "seed": "7"}, "seed"),
        ({"env": "debug/echo", "task_id": "echo-1", "seed": 2**70}, "seed"),
        ({"env": "debug/echo", "task_id": "echo-1", "sede": 3}, "sede"),
        ({"env": "debug/echo", "task": {**TASK, "answer": "4"}}, "answer"),
    ],
)
async def test_session_requests_are_strict_and_name_the_bad_field(served, body, named):
    _, raw, _ = served
    response = await raw.post("/v1/sessions", json=body)
    assert response.status_code == 422, response.text
    error = error_of(response)
    assert error["code"] == "invalid_request" and named in error["message"]


async def test_valid_old_requests_still_work(served):
    _, raw, _ = served
    for body in (
        {"env": "debug/echo", "task_id": "echo-1", "seed": 7, "options": {}},
        {"env": "debug/echo", "task_id": "echo-1", "task": None, "seed": None},
        {"env": "debug/echo", "task": {**TASK, "suite": "echo"}, "task_id": None},
    ):
        assert (await raw.post("/v1/sessions", json=body)).status_code == 201, body
    assert (
        await raw.post(
            "/v1/grade", json={"grader": "exact", "task": TASK, "submission": {"answer": "4"}, "trajectory": None}
        )
    ).json()["reward"] == 1.0


async def test_unknown_submission_field_is_refused_not_scored_zero(served):
    _, raw, _ = served
    response = await raw.post("/v1/grade", json={"grader": "exact", "task": TASK, "submission": {"text": "4"}})
    assert response.status_code == 422
    assert "unknown field 'text'" in error_of(response)["message"]


async def test_grade_refuses_a_submission_without_what_the_grader_reads(served):
    _, raw, _ = served
    trajectory = [{"role": "assistant", "content": "4"}]
    for body in (
        {"grader": "exact", "task": TASK, "trajectory": trajectory},
        {"env": "reasoning/chain_sum", "task_id": "0000", "trajectory": trajectory},
        {"env": "debug/echo", "task": {**TASK, "grader": {"name": "numeric"}}, "trajectory": trajectory},
    ):
        response = await raw.post("/v1/grade", json=body)
        assert response.status_code == 422, (body, response.text)
        assert "submission.answer" in error_of(response)["message"]
    both = await raw.post(
        "/v1/grade",
        json={"grader": "exact", "task": TASK, "task_id": "x", "env": "debug/echo", "submission": {"answer": "4"}},
    )
    assert both.status_code == 422


async def test_unreadable_bodies_are_422(served):
    _, raw, _ = served
    for content in (b"\xff\xfe{", b"{not json", b"[1]"):
        response = await raw.post("/v1/sessions", content=content, headers={"content-type": "application/json"})
        assert response.status_code == 422 and error_of(response)["code"] == "invalid_request"
    bad_length = await raw.post("/v1/sessions", content=b"", headers={"content-length": "abc"})
    assert bad_length.status_code == 422


async def test_405_names_every_allowed_method(served):
    _, raw, _ = served
    response = await raw.put("/v1/sessions/abc")
    assert response.status_code == 405 and error_of(response)["code"] == "method_not_allowed"
    assert response.headers["allow"] == "DELETE, GET"
    assert (await raw.get("/v1/grade")).headers["allow"] == "POST"


def test_openapi_lists_every_status_with_the_error_shape():
    schema = create_app(ServerConfig(sandbox="process")).openapi()
    expected = {
        ("post", "/v1/sessions/{session_id}/step"): {"200", "401", "404", "408", "409", "413", "422", "500", "504"},
        ("post", "/v1/sessions"): {"201", "401", "404", "408", "413", "422", "500", "503", "504"},
        ("get", "/v1/sessions/{session_id}"): {"200", "401", "404", "500"},
        ("delete", "/v1/sessions/{session_id}"): {"200", "401", "500"},
        ("post", "/v1/grade"): {"200", "401", "404", "408", "413", "422", "500", "504"},
        ("post", "/v1/rollouts"): {"200", "401", "404", "408", "413", "422", "500", "503"},
        ("get", "/readyz"): {"200", "503"},
    }
    for (method, path), codes in expected.items():
        responses = schema["paths"][path][method]["responses"]
        assert set(responses) == codes, (path, sorted(responses))
        for code in codes - {"200", "201"}:
            assert "ErrorBody" in json.dumps(responses[code]), (path, code)
    assert "HTTPValidationError" not in json.dumps(schema)


def test_schema_states_the_one_of_requirements():
    import jsonschema

    schema = create_app(ServerConfig(sandbox="process")).openapi()
    components = schema["components"]["schemas"]

    def valid(name: str, body: dict) -> bool:
        document = {**components[name], "components": {"schemas": components}}
        text = json.dumps(document).replace("#/components/schemas/", "#/components/schemas/")
        try:
            jsonschema.validate(body, json.loads(text))
            return True
        except jsonschema.ValidationError:
            return False

    assert valid("SessionCreate", {"env": "e", "task_id": "x"})
    assert valid("SessionCreate", {"env": "e", "task": TASK})
    assert not valid("SessionCreate", {"env": "e"})
    assert not valid("SessionCreate", {"env": "e", "task_id": "x", "task": TASK})
    assert not valid("SessionCreate", {"env": "e", "task_id": "x", "seed": True})
    assert valid("GradeRequest", {"grader": "g", "task": TASK, "submission": {"answer": "1"}})
    assert not valid("GradeRequest", {"task": TASK, "submission": {"answer": "1"}})  # grader or env
    assert not valid(
        "GradeRequest", {"grader": "g", "task_id": "x", "submission": {"answer": "1"}}
    )  # task_id needs env
    assert not valid("GradeRequest", {"grader": "g", "task": TASK})  # submission or trajectory
    assert not valid("GradeRequest", {"grader": "g", "task": TASK, "submission": {"text": "1"}})


async def test_readyz_reports_a_family_that_cannot_serve(served):
    import server_testenvs

    app, raw, _ = served
    assert (await raw.post("/v1/sessions", json={"env": "slowtest/main", "task_id": "t1"})).status_code == 201
    ok = await raw.get("/readyz")
    assert ok.status_code == 200 and ok.json()["families"] == {"slowtest": "ok"}
    server_testenvs.SlowEnvironment.unhealthy = "its driver died"
    try:
        down = await raw.get("/readyz")
        assert down.status_code == 503 and error_of(down)["code"] == "not_ready"
        assert error_of(down)["details"]["families"] == {"slowtest": "its driver died"}
        assert (await raw.get("/healthz")).status_code == 200  # liveness is not readiness
    finally:
        server_testenvs.SlowEnvironment.unhealthy = None
    assert (await raw.get("/readyz")).status_code == 200
