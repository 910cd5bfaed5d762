"""envgym.adapters.trl: TRL's GRPOTrainer runs a real training step (CPU, a tiny random
Qwen2-shaped model, a tokenizer trained here, nothing downloaded) against a live `envgym serve` in
each of its three seams: reward_funcs over /v1/grade/batch, environment_factory, rollout_func over
streamed /v1/rollouts."""

from __future__ import annotations

import httpx
import pytest

trl = pytest.importorskip("trl")
pytest.importorskip("datasets")

import torch  # noqa: E402
from datasets import Dataset  # noqa: E402
from transformers.utils import get_json_schema  # noqa: E402
from trl import GRPOConfig, GRPOTrainer  # noqa: E402

from envgym.adapters.rows import task_rows  # noqa: E402
from envgym.adapters.trl import environment_factory, reward_function, rollout_func, rollout_reward  # noqa: E402
from envgym.testing.local_model import LocalModel, tiny_model, tiny_tokenizer  # noqa: E402
from envgym.testing.openai_server import OpenAIServer  # noqa: E402


def config(tmp_path, **extra) -> GRPOConfig:
    return GRPOConfig(
        output_dir=str(tmp_path),
        use_cpu=True,
        max_steps=1,
        per_device_train_batch_size=2,
        num_generations=2,
        max_completion_length=12,
        learning_rate=1e-2,
        report_to=[],
        logging_steps=1,
        save_strategy="no",
        bf16=False,
        dataloader_num_workers=0,
        seed=0,
        **extra,
    )


def weights(model) -> torch.Tensor:
    return torch.cat([p.detach().flatten().clone() for p in model.parameters()])


def grades_served(server) -> float:
    text = httpx.get(f"{server.url}/metrics").text
    return sum(
        float(line.split()[-1])
        for line in text.splitlines()
        if line.startswith("envgym_http_requests_total") and "/v1/grade/batch" in line
    )


def test_reward_function_grades_a_batch_and_maps_failures_to_none(envgym_server):
    reward = reward_function(envgym_server.url, "debug/echo")
    prompts = [[{"role": "user", "content": "x"}]] * 3
    completions = [
        [{"role": "assistant", "content": "delta"}],
        [{"role": "assistant", "content": "nope"}],
        [{"role": "assistant", "content": "delta"}],
    ]
    assert reward(prompts, completions, task_id=["echo-3", "echo-3", "no-such-task"]) == [1.0, 0.0, None]


def test_reward_function_raises_the_servers_typed_error(monkeypatch):
    # A refused batch is the protocol's error (its class, code and Retry-After), not a bare HTTP failure.
    import envgym.adapters.trl as trl_adapter
    from envgym.protocol.errors import CapacityExhausted

    def refuse(url, **_):
        body = {"error": {"code": "capacity_exhausted", "message": "the grading pool is full"}}
        return httpx.Response(503, json=body, headers={"retry-after": "3"}, request=httpx.Request("POST", url))

    monkeypatch.setattr(trl_adapter.httpx, "post", refuse)
    reward = reward_function("http://127.0.0.1:9", "debug/echo")
    with pytest.raises(CapacityExhausted) as info:
        reward([[{"role": "user", "content": "x"}]], [[{"role": "assistant", "content": "delta"}]], task_id=["echo-3"])
    assert info.value.retry_after == 3.0 and "grading pool is full" in str(info.value)


def test_grpo_step_with_envgym_rewards(envgym_server, tmp_path):
    tokenizer = tiny_tokenizer("qwen2_5")
    model = tiny_model(tokenizer)
    calls = []
    reward = reward_function(envgym_server.url, "debug/echo")

    def counted(prompts, completions, **columns):
        out = reward(prompts, completions, **columns)
        calls.append(out)
        return out

    counted.__name__ = reward.__name__
    rows = task_rows(envgym_server.url, "debug/echo", limit=2)
    trainer = GRPOTrainer(
        model=model,
        reward_funcs=[counted],
        args=config(tmp_path),
        train_dataset=Dataset.from_list(rows),
        processing_class=tokenizer,
    )
    trainer.train()
    assert calls and all(len(batch) == 2 and all(r in (0.0, 1.0) for r in batch) for batch in calls)
    assert trainer.state.global_step == 1
    # (A random model's echo answers all score 0, so GRPO's advantages, and the update, are zero here;
    # the rollout_func test below checks that an update really moves the weights.)


def test_environment_factory_tools_follow_the_schemas_and_play_an_episode(envgym_server):
    Counter = environment_factory(envgym_server.url, "debug/counter", ttl_s=30)
    schema = get_json_schema(Counter.increment)  # what TRL renders into the prompt
    assert (
        schema["function"]["parameters"]["properties"]["by"]
        == {"type": "integer", "description": "how much to add (1 to 10)", "nullable": True}
        or schema["function"]["parameters"]["properties"]["by"]["description"] == "how much to add (1 to 10)"
    )
    assert "by" not in schema["function"]["parameters"].get("required", [])
    env = Counter()
    env.reset(task_id="count-to-2", prompt=[{"role": "user", "content": "?"}])
    assert env.increment(by=2) == "counter = 2"
    assert "reward 1" in env.submit()
    assert env.submit().startswith("The episode is over")
    assert env.get_reward() == 1.0
    unfinished = Counter()
    unfinished.reset(task_id="count-to-1")
    assert unfinished.get_reward() == 0.0  # never submitted: the agent's failure, not an error
    assert httpx.get(f"{envgym_server.url}/healthz").json()["sessions_open"] == 0


def test_grpo_step_with_environment_factory(envgym_server, tmp_path):
    tokenizer = tiny_tokenizer("qwen2_5")
    model = tiny_model(tokenizer)
    Counter = environment_factory(envgym_server.url, "debug/counter", ttl_s=30)
    rows = task_rows(envgym_server.url, "debug/counter", limit=2)
    trainer = GRPOTrainer(
        model=model,
        args=config(tmp_path, max_tool_calling_iterations=2),
        train_dataset=Dataset.from_list(rows),
        processing_class=tokenizer,
        environment_factory=Counter,
    )
    trainer.train()
    assert trainer.state.global_step == 1
    # Every rollout's episode was opened on the server and closed by get_reward.
    assert httpx.get(f"{envgym_server.url}/healthz").json()["sessions_open"] == 0


def test_grpo_step_with_rollout_func_over_v1_rollouts(envgym_server, tmp_path):
    tokenizer = tiny_tokenizer("qwen2_5")
    model = tiny_model(tokenizer)
    before = weights(model)
    eos = tokenizer.eos_token
    solve = '<tool_call>{"name": "increment", "arguments": {}}</tool_call>'
    starts = []

    def script(body, prompt):
        # Of each group of two episodes, one plays count-to-1 perfectly and one is the random model,
        # so the group's rewards differ and GRPO has an advantage to follow.
        text = tokenizer.decode(prompt)
        if text.count("<|im_start|>assistant") == 1:
            starts.append(1)
            return solve + eos if len(starts) % 2 else None
        if solve in text:
            return '<tool_call>{"name": "submit", "arguments": {}}</tool_call>' + eos
        return None

    backend = LocalModel(model, tokenizer, tool_parser="hermes", script=script)  # serves the trainer's own weights
    with OpenAIServer.serving(backend) as policy:
        run = rollout_func(
            envgym_server.url,
            "debug/counter",
            policy.base_url,
            "tiny-qwen2.5",
            max_total_tokens=700,
            sampling={"max_tokens": 12},
            endpoint={"max_turns": 3},
        )
        seen = {}

        def recording(prompts, trainer):
            out = run(prompts, trainer)
            seen.update(out)
            return out

        rows = task_rows(envgym_server.url, "debug/counter", limit=1, repeat=2)  # count-to-1
        trainer = GRPOTrainer(
            model=model,
            reward_funcs=[rollout_reward],
            args=config(tmp_path),
            processing_class=tokenizer,
            train_dataset=Dataset.from_list(rows),
            rollout_func=recording,
        )
        trainer.train()
    assert trainer.state.global_step == 1
    assert not torch.equal(before, weights(model))
    assert len(seen["prompt_ids"]) == 2 and sorted(seen["envgym_reward"]) == [0.0, 1.0]  # one group of two, both slots
    for completion, mask, logprobs in zip(seen["completion_ids"], seen["env_mask"], seen["logprobs"]):
        assert len(completion) == len(mask) == len(logprobs)
        assert 1 in mask and 0 in mask  # model turns and environment turns in one multi-turn completion
    assert not torch.equal(before, weights(model))  # the update moved the weights the policy server samples from
    completions = [r for r in policy.requests if r.get("_route") == "/v1/completions"]
    assert completions and all(isinstance(r["prompt"][0], int) for r in completions)
