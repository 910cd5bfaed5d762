"""POST /v1/rollouts on a real `envgym serve` process: the messages-in form with the scripted model
server, and the token-in/token-out form (the default) with a tiny random model that really samples,
plus one test per training-loop feature: streaming, cancellation, token budget, policy version and
errored rollouts kept in their slots."""

from __future__ import annotations

import asyncio
import threading
import time

import httpx
import pytest

from envgym.adapters.training import samples_from_response
from envgym.eval.rollouts import Rollout, RolloutSummary, stream_rollouts
from envgym.testing.openai_server import OpenAIServer, error_reply
from scripts import counter_solver, with_tokens


def post(server, body, timeout=120):
    return httpx.post(f"{server.url}/v1/rollouts", json=body, timeout=timeout)


def open_sessions(server) -> int:
    return httpx.get(f"{server.url}/healthz").json()["sessions_open"]


def wait_until(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def chat(model, **extra):
    return {"base_url": model.base_url, "name": "scripted", "mode": "chat", **extra}


# ---------------------------------------------------------------------- messages in (mode "chat")


def test_rollouts_return_trajectories_with_token_ids_and_logprobs(envgym_server, model):
    model.handler = lambda body: with_tokens(body, counter_solver(body))
    response = post(
        envgym_server,
        {
            "env": "debug/counter",
            "task_id": "count-to-3",
            "n": 3,
            "seed": 10,
            "model": chat(model, api_key="sk-secret", sampling={"temperature": 0.7}),
        },
    )
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
        assert "reward 1" in rollout["messages"][-1]["content"]  # the final observation carries the grade's feedback
    assert "sk-secret" not in response.text
    sent = model.requests[0]
    assert sent["return_token_ids"] is True and sent["logprobs"] is True and sent["temperature"] == 0.7
    assert wait_until(lambda: open_sessions(envgym_server) == 0)


def test_rollouts_without_token_support_and_with_a_failing_model(envgym_server, model):
    model.handler = counter_solver
    data = post(
        envgym_server,
        {
            "env": "debug/counter",
            "task_id": "count-to-1",
            "n": 2,
            "model": chat(model, return_token_ids=False, logprobs=False),
        },
    ).json()
    assert data["status_counts"] == {"completed": 2}
    assert all(t.get("token_ids") is None for r in data["rollouts"] for t in r["token_turns"])
    model.handler = lambda body: error_reply(503, "down")
    data = post(
        envgym_server, {"env": "debug/counter", "task_id": "count-to-1", "n": 2, "model": chat(model, retries=0)}
    ).json()
    assert data["status_counts"] == {"agent_error": 2} and data["mean_reward"] is None
    assert "503" in data["rollouts"][0]["error"]["message"]


def test_rollouts_errors_have_the_protocol_shape(envgym_server, model):
    bad_env = post(envgym_server, {"env": "nope/x", "task_id": "t", "model": {"base_url": model.base_url, "name": "m"}})
    assert bad_env.status_code == 404 and bad_env.json()["error"]["code"] == "unknown_environment"
    bad_task = post(
        envgym_server, {"env": "debug/counter", "task_id": "nope", "model": {"base_url": model.base_url, "name": "m"}}
    )
    assert bad_task.status_code == 404 and bad_task.json()["error"]["code"] == "unknown_task"
    bad_n = post(
        envgym_server,
        {"env": "debug/counter", "task_id": "count-to-1", "n": 0, "model": {"base_url": model.base_url, "name": "m"}},
    )
    assert bad_n.status_code == 422


def test_errored_rollouts_keep_their_slots(envgym_server, model):
    calls = iter(range(1000))
    lock = threading.Lock()

    def flaky(body):
        with lock:
            n = next(calls)
        return error_reply(400, "bad request") if n < 2 else counter_solver(body)

    model.handler = flaky
    data = post(
        envgym_server,
        {
            "env": "debug/counter",
            "task_id": "count-to-1",
            "n": 5,
            "concurrency": 1,
            "seed": 0,
            "model": chat(model, retries=0),
        },
    ).json()
    assert [r["index"] for r in data["rollouts"]] == [0, 1, 2, 3, 4]
    assert data["status_counts"] == {"agent_error": 2, "completed": 3}
    assert [r["status"] for r in data["rollouts"][:2]] == ["agent_error", "agent_error"]
    assert data["mean_reward"] == 1.0  # errors are not zeros


# ---------------------------------------------------------------------- token in, token out (default)

pytest.importorskip("transformers")
pytest.importorskip("trl")

from envgym.testing.local_model import FAMILIES, LocalModel, tiny_model, tiny_tokenizer  # noqa: E402


@pytest.fixture(scope="module")
def policy():
    """Qwen 2.5's template; the model solves count-to-1 (increment, submit) unless told otherwise."""
    tokenizer = tiny_tokenizer("qwen2_5")
    eos = FAMILIES["qwen2_5"]["eos"]
    state = {"mode": "solve"}

    def script(body, prompt):
        if state["mode"] == "random":
            return None
        if state["mode"] == "long":
            return '<tool_call>{"name": "increment", "arguments": {"by": 1}}</tool_call>' * 20 + eos
        increments = tokenizer.decode(prompt).count("counter = ")
        name = "submit" if increments else "increment"
        return f'<tool_call>{{"name": "{name}", "arguments": {{}}}}</tool_call>{eos}'

    backend = LocalModel(tiny_model(tokenizer), tokenizer, tool_parser="hermes", script=script)
    with OpenAIServer.serving(backend) as server:
        server.state = state
        server.backend = backend
        yield server


def tokens_request(policy, **extra):
    body = {
        "env": "debug/counter",
        "task_id": "count-to-1",
        "n": 3,
        "seed": 5,
        "policy_version": 4,
        "model": {"base_url": policy.base_url, "name": "tiny-qwen2.5", "sampling": {"max_tokens": 48}},
    }
    body.update(extra)
    return body


def test_token_mode_rollouts_stitch_and_carry_the_policy_version(envgym_server, policy):
    policy.state["mode"] = "solve"
    policy.backend.policy_version = 4
    response = post(envgym_server, tokens_request(policy))
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["status_counts"] == {"completed": 3} and data["policy_version"] == 4
    assert all(
        r["policy_version"] == 4 and all(t["policy_version"] == 4 for t in r["token_turns"]) for r in data["rollouts"]
    )
    samples = samples_from_response(data)
    assert len(samples) == 3
    for sample, rollout in zip(samples, data["rollouts"]):
        assert sample.reward == 1.0
        assert {v for v, m in zip(sample.policy_versions, sample.loss_mask) if m} == {4}
        assert [t for t, m in zip(sample.token_ids, sample.loss_mask) if m] == [
            i for t in rollout["token_turns"] for i in t["token_ids"]
        ]
    # The environment's text actions were read with the parser chosen from the model's name (hermes).
    completions = [r for r in policy.requests if r.get("_route") == "/v1/completions"]
    assert completions and all(isinstance(r["prompt"], list) for r in completions)


def test_streaming_sends_each_rollout_as_it_finishes(envgym_server, model):
    release, held_done = threading.Event(), threading.Event()
    calls = iter(range(1000))
    lock = threading.Lock()

    async def gated(body):
        with lock:
            n = next(calls)
        if n == 0:  # the first model call waits until the test has read a streamed rollout
            await asyncio.to_thread(release.wait, 60)
            held_done.set()
        return counter_solver(body)

    model.handler = gated
    body = {"env": "debug/counter", "task_id": "count-to-1", "n": 3, "stream": True, "model": chat(model)}

    async def consume():
        items = []
        async for item in stream_rollouts(envgym_server.url, body):
            if not items:
                assert not held_done.is_set(), "the first rollout arrived only after every rollout had finished"
                release.set()
            items.append(item)
        return items

    items = asyncio.run(consume())
    rollouts = [i for i in items if isinstance(i, Rollout)]
    assert isinstance(items[-1], RolloutSummary) and items[-1].status_counts == {"completed": 3}
    assert sorted(r.index for r in rollouts) == [0, 1, 2] and len(items) == 4


def test_cancelling_a_stream_stops_the_episodes_and_frees_their_sessions(envgym_server, model):
    started = threading.Event()

    async def stuck(body):
        started.set()
        await asyncio.sleep(600)  # never answers within the test
        return counter_solver(body)

    model.handler = stuck
    body = {"env": "debug/counter", "task_id": "count-to-1", "n": 4, "stream": True, "model": chat(model, retries=0)}
    with httpx.Client(timeout=60) as client:
        with client.stream("POST", f"{envgym_server.url}/v1/rollouts", json=body) as response:
            assert response.status_code == 200
            assert started.wait(30)
            assert wait_until(lambda: open_sessions(envgym_server) == 4)
        # leaving the block closes the connection mid-stream
    assert wait_until(lambda: open_sessions(envgym_server) == 0), "cancelled rollouts kept their sessions"


def test_cancelling_the_all_at_once_form_too(envgym_server, model):
    started = threading.Event()

    async def stuck(body):
        started.set()
        await asyncio.sleep(600)
        return counter_solver(body)

    model.handler = stuck
    body = {"env": "debug/counter", "task_id": "count-to-1", "n": 3, "model": chat(model, retries=0)}

    def call():
        try:
            httpx.post(f"{envgym_server.url}/v1/rollouts", json=body, timeout=3)
        except httpx.TimeoutException:
            pass  # the client gives up and closes its connection

    thread = threading.Thread(target=call)
    thread.start()
    assert started.wait(30)
    thread.join(30)
    assert wait_until(lambda: open_sessions(envgym_server) == 0), "the abandoned request kept its sessions"


def test_token_budget_caps_every_rollout(envgym_server, policy):
    policy.state["mode"] = "long"
    budget = 500
    body = tokens_request(policy, n=2, max_total_tokens=budget)
    body["model"]["sampling"]["max_tokens"] = 41  # not a whole number of calls: the cut lands inside one
    data = post(envgym_server, body).json()
    policy.state["mode"] = "solve"
    assert data["status_counts"] == {"truncated": 2}, data["status_counts"]
    for rollout in data["rollouts"]:
        last = rollout["token_turns"][-1]
        assert len(last["prompt_token_ids"]) + len(last["token_ids"]) <= budget
        assert last["finish_reason"] == "length"  # the reply was cut to what was left of the budget
        assert rollout["error"]["code"] == "token_budget"
        # The cut reply reached the environment as text; the half call was answered as the agent's mistake.
        assert any(
            "no closing </tool_call>" in (m["content"] or "") for m in rollout["messages"] if m["role"] == "user"
        )
