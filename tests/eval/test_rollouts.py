"""POST /v1/rollouts on a real `envgym serve` process, with the scripted model server."""

from __future__ import annotations

import httpx

from scripts import counter_solver, with_tokens

from envgym.testing.openai_server import error_reply


def post(server, body, timeout=120):
    return httpx.post(f"{server.url}/v1/rollouts", json=body, timeout=timeout)


def test_rollouts_return_trajectories_with_token_ids_and_logprobs(envgym_server, model):
    model.handler = lambda body: with_tokens(body, counter_solver(body))
    response = post(envgym_server, {"env": "debug/counter", "task_id": "count-to-3", "n": 3, "seed": 10,
                                    "model": {"base_url": model.base_url, "name": "scripted", "api_key": "sk-secret",
                                              "sampling": {"temperature": 0.7}}})
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["status_counts"] == {"completed": 3} and data["mean_reward"] == 1.0
    assert [r["seed"] for r in data["rollouts"]] == [10, 11, 12]
    for rollout in data["rollouts"]:
        assert rollout["reward"] == 1.0 and rollout["grade"]["passed"] is True
        assert len(rollout["token_turns"]) == rollout["turns"] == 3
        for turn in rollout["token_turns"]:
            assert turn["token_ids"] and len(turn["logprobs"]) == len(turn["token_ids"])
            assert turn["prompt_token_ids"]
        assert any(m["role"] == "tool" for m in rollout["messages"])
    assert "sk-secret" not in response.text
    sent = model.requests[0]
    assert sent["return_token_ids"] is True and sent["logprobs"] is True and sent["temperature"] == 0.7
    health = httpx.get(f"{envgym_server.url}/metrics").text
    open_sessions = [line for line in health.splitlines() if line.startswith("envgym_sessions_open")]
    assert open_sessions and float(open_sessions[0].split()[-1]) == 0.0


def test_rollouts_without_token_support_and_with_a_failing_model(envgym_server, model):
    model.handler = counter_solver
    data = post(envgym_server, {"env": "debug/counter", "task_id": "count-to-1", "n": 2,
                                "model": {"base_url": model.base_url, "name": "m", "return_token_ids": False, "logprobs": False}}).json()
    assert data["status_counts"] == {"completed": 2}
    assert all(t.get("token_ids") is None for r in data["rollouts"] for t in r["token_turns"])
    model.handler = lambda body: error_reply(503, "down")
    data = post(envgym_server, {"env": "debug/counter", "task_id": "count-to-1", "n": 2,
                                "model": {"base_url": model.base_url, "name": "m", "retries": 0}}).json()
    assert data["status_counts"] == {"agent_error": 2} and data["mean_reward"] is None
    assert "503" in data["rollouts"][0]["error"]["message"]


def test_rollouts_errors_have_the_protocol_shape(envgym_server, model):
    bad_env = post(envgym_server, {"env": "nope/x", "task_id": "t", "model": {"base_url": model.base_url, "name": "m"}})
    assert bad_env.status_code == 404 and bad_env.json()["error"]["code"] == "unknown_environment"
    bad_task = post(envgym_server, {"env": "debug/counter", "task_id": "nope", "model": {"base_url": model.base_url, "name": "m"}})
    assert bad_task.status_code == 404 and bad_task.json()["error"]["code"] == "unknown_task"
    bad_n = post(envgym_server, {"env": "debug/counter", "task_id": "count-to-1", "n": 0, "model": {"base_url": model.base_url, "name": "m"}})
    assert bad_n.status_code == 422
