"""envgym.adapters.skyrl: the real skyrl_gym package builds EnvgymTextEnv from its registry and
plays envgym sessions on raw text against a live server. SkyRL's trainer (skyrl-train) needs Python
3.12 and vLLM and cannot run here; its generator's job — token-in/token-out generation, environment
turns rendered as appended deltas — is done by envgym.agents.tokens with a tiny random model, and a
policy-gradient step is taken on the samples."""

from __future__ import annotations

import httpx
import pytest

skyrl_gym = pytest.importorskip("skyrl_gym")
pytest.importorskip("transformers")

import torch  # noqa: E402

import envgym.adapters.skyrl  # noqa: E402,F401  (registers "envgym")
from envgym.adapters.skyrl import EnvgymTextEnv  # noqa: E402
from envgym.agents.tokens import TokenizerRenderer, TokenTranscript  # noqa: E402
from envgym.testing.local_model import LocalModel, tiny_model, tiny_tokenizer  # noqa: E402


def make(server, task_id="count-to-1", **config):
    return skyrl_gym.make(
        "envgym",
        env_config={"url": server.url, "tool_parser": "hermes", "ttl_s": 30, **config},
        extras={"env": "debug/counter", "task_id": task_id},
    )


def test_skyrl_env_plays_an_episode_on_text(envgym_server):
    env = make(envgym_server)
    assert isinstance(env, EnvgymTextEnv)
    prompt, info = env.init(
        [{"role": "user", "content": "Use the increment tool until the counter is 1, then call submit."}]
    )
    assert info["session_id"] and [t["function"]["name"] for t in info["tools"]] == ["increment", "submit"]
    out = env.step('Adding one. <tool_call>{"name": "increment", "arguments": {"by": 1}}</tool_call>')
    assert out["done"] is False and out["reward"] == 0.0 and out["observations"][0]["content"] == "counter = 1"
    bad = env.step('<tool_call>{"name": "submit", "arguments": {oops}}</tool_call>')
    assert (
        bad["done"] is False and "not valid JSON" in bad["observations"][0]["content"]
    )  # the agent's mistake, not a 4xx
    done = env.step('<tool_call>{"name": "submit", "arguments": {}}</tool_call>')
    assert done["done"] is True and done["reward"] == 1.0 and done["metadata"]["status"] == "completed"
    assert env.get_metrics() == {"envgym_reward": 1.0, "envgym_error": 0.0}
    assert httpx.get(f"{envgym_server.url}/healthz").json()["sessions_open"] == 0


def test_skyrl_env_turn_limit_ends_and_closes(envgym_server):
    env = make(envgym_server, max_turns=2)
    env.init([])
    assert env.step("hello")["done"] is False
    last = env.step("hello again")
    assert last["done"] is True and last["metadata"]["status"] == "truncated" and last["reward"] == 0.0
    assert httpx.get(f"{envgym_server.url}/healthz").json()["sessions_open"] == 0


def test_random_model_episodes_and_a_policy_gradient_step(envgym_server):
    tokenizer = tiny_tokenizer("qwen2_5")
    model = tiny_model(tokenizer)
    backend = LocalModel(model, tokenizer)
    renderer = TokenizerRenderer(tokenizer)
    import asyncio

    samples = []
    for episode in range(4):
        env = make(envgym_server, max_turns=3)
        prompt, info = env.init(
            [{"role": "user", "content": "Use the increment tool until the counter is 1, then call submit."}]
        )
        transcript = TokenTranscript(renderer)
        asyncio.run(transcript.start(prompt, info["tools"]))
        reward = 0.0
        while True:
            ids, logprobs, _ = backend._sample(transcript.prompt_ids, {"max_tokens": 16, "seed": episode})
            transcript.add_model(ids, logprobs, policy_version=0)
            out = env.step(tokenizer.decode(ids, skip_special_tokens=True))
            reward = out["reward"]
            if out["done"]:
                break
            asyncio.run(transcript.add_environment(out["observations"]))
        samples.append((list(transcript.ids), list(transcript.mask), reward))
    assert all(
        sum(mask) > 0 and 0 in mask[len(mask) // 2 :] for _, mask, _ in samples
    )  # multi-turn: env tokens after model ones
    # One REINFORCE step on the sampled tokens (advantage = reward - mean; a constant 1 if all equal).
    optimiser = torch.optim.SGD(model.parameters(), lr=0.1)
    before = [p.detach().clone() for p in model.parameters()]
    mean = sum(r for *_, r in samples) / len(samples)
    loss = torch.zeros(())
    model.train()
    for ids, mask, reward in samples:
        logits = model(input_ids=torch.tensor([ids])).logits[0, :-1]
        logp = torch.log_softmax(logits, -1).gather(1, torch.tensor(ids[1:])[:, None])[:, 0]
        weight = torch.tensor(mask[1:], dtype=torch.float32)
        advantage = (reward - mean) or 1.0
        loss = loss - advantage * (logp * weight).sum() / weight.sum()
    loss.backward()
    optimiser.step()
    assert any(not torch.equal(b, p) for b, p in zip(before, model.parameters()))
