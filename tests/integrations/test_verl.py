"""envgym.adapters.verl against the real verl package (0.9.1, installed without its GPU stack):
the agent loop is registered under "envgym", built by hydra from an agent-loop YAML entry exactly as
verl's AgentLoopWorker builds it, and run against a live server with a tiny random model standing in
for verl's vLLM server manager; compute_score runs inside verl's NaiveRewardManager. verl's trainer
itself (Ray workers, vLLM/SGLang rollout, FSDP) needs GPUs and did not run."""

from __future__ import annotations

import asyncio
import functools

import httpx
import numpy as np
import pytest

pytest.importorskip("verl.experimental.agent_loop.agent_loop")
pytest.importorskip("transformers")

import hydra  # noqa: E402
import torch  # noqa: E402
from omegaconf import OmegaConf  # noqa: E402
from verl import DataProto  # noqa: E402
from verl.experimental.agent_loop.agent_loop import DictConfigWrap, ToolListWrap, _agent_loop_registry  # noqa: E402
from verl.workers.reward_manager.naive import NaiveRewardManager  # noqa: E402
from verl.workers.rollout.replica import TokenOutput  # noqa: E402

from envgym.adapters.verl import EnvgymAgentLoop, compute_score  # noqa: E402
from envgym.testing.local_model import LocalModel, scripted_calls, tiny_model, tiny_tokenizer  # noqa: E402


class LocalServerManager:
    """Stands in for verl's vLLM server manager: same generate() call, a tiny model on CPU."""

    def __init__(self, backend: LocalModel, script=None) -> None:
        self.backend = backend
        self.calls = []

    async def generate(self, request_id, *, prompt_ids, sampling_params, **kwargs) -> TokenOutput:
        self.calls.append((list(prompt_ids), dict(sampling_params)))
        ids, logprobs, finish = await asyncio.to_thread(
            self.backend._sample,
            list(prompt_ids),
            {"max_tokens": sampling_params["max_tokens"], "seed": len(self.calls)},
        )
        return TokenOutput(token_ids=ids, log_probs=logprobs, stop_reason=finish)


def build_loop(tmp_path, server, tokenizer, manager, response_length=160):
    (tmp_path / "agent_loops.yaml").write_text(
        f"- name: envgym\n  _target_: envgym.adapters.verl.EnvgymAgentLoop\n  url: {server.url}\n"
        "  env: debug/counter\n  tool_parser: hermes\n  max_turns: 3\n  ttl_s: 30\n"
    )
    entry = OmegaConf.load(tmp_path / "agent_loops.yaml")[0]
    config = OmegaConf.create(
        {"actor_rollout_ref": {"rollout": {"prompt_length": 1024, "response_length": response_length}}, "data": {}}
    )
    return hydra.utils.instantiate(
        config=entry,
        trainer_config=DictConfigWrap(config=config),
        server_manager=manager,
        tokenizer=tokenizer,
        processor=None,
        hf_model_type=None,
        dataset_cls=None,
        data_config=DictConfigWrap(config.data),
        tools=ToolListWrap([]),
    )


def test_agent_loop_is_registered_under_its_name():
    assert _agent_loop_registry["envgym"]["_target_"] == "envgym.adapters.verl.EnvgymAgentLoop"


def test_agent_loop_plays_multi_turn_episodes_token_in_token_out(envgym_server, tmp_path):
    tokenizer = tiny_tokenizer("qwen2_5")
    backend = LocalModel(tiny_model(tokenizer), tokenizer, script=scripted_calls(tokenizer, "increment", "submit"))
    manager = LocalServerManager(backend)
    loop = build_loop(tmp_path, envgym_server, tokenizer, manager)
    assert isinstance(loop, EnvgymAgentLoop)
    solved = asyncio.run(loop.run({"temperature": 1.0}, raw_prompt=[], extra_info={"task_id": "count-to-1"}))
    assert solved.reward_score == 1.0 and solved.extra_fields["envgym_status"] == "completed"
    # Each request's prompt is exactly the previous context: sampled ids verbatim, environment ids appended.
    full = solved.prompt_ids + solved.response_ids
    for (prompt, _), (nxt, _) in zip(manager.calls, manager.calls[1:]):
        assert nxt[: len(prompt)] == prompt
    assert full[: len(manager.calls[-1][0])] == manager.calls[-1][0]
    assert 1 in solved.response_mask and 0 in solved.response_mask
    assert len(solved.response_logprobs) == len(solved.response_ids)
    tensors = solved.as_dict()  # verl's own conversion to the training batch
    assert tensors["responses"].shape == tensors["response_mask"].shape == tensors["rollout_log_probs"].shape
    # The random model: the episode runs out of turns or budget, still one sample, reward 0.
    manager.calls.clear()
    random = asyncio.run(loop.run({"temperature": 1.0}, raw_prompt=[], extra_info={"task_id": "count-to-2"}))
    assert random.reward_score == 0.0 and len(random.response_ids) <= 160
    assert all(sp["max_tokens"] <= 160 for _, sp in manager.calls)
    assert httpx.get(f"{envgym_server.url}/healthz").json()["sessions_open"] == 0


def test_compute_score_in_verls_reward_manager(envgym_server):
    tokenizer = tiny_tokenizer("qwen2_5")
    answers = ["delta", "nope"]
    prompts = torch.full((2, 4), tokenizer.pad_token_id)
    responses = torch.nn.utils.rnn.pad_sequence(
        [torch.tensor(tokenizer.encode(a, add_special_tokens=False)) for a in answers],
        batch_first=True,
        padding_value=tokenizer.pad_token_id,
    )
    lengths = [len(tokenizer.encode(a, add_special_tokens=False)) for a in answers]
    attention = torch.cat(
        [torch.ones(2, 4, dtype=torch.long), torch.tensor([[1] * n + [0] * (responses.shape[1] - n) for n in lengths])],
        dim=1,
    )
    data = DataProto.from_dict(
        tensors={"prompts": prompts, "responses": responses, "attention_mask": attention},
        non_tensors={
            "data_source": np.array(["debug/echo", "debug/echo"], dtype=object),
            "reward_model": np.array([{"ground_truth": "echo-3"}] * 2, dtype=object),
            "extra_info": np.array([{}, {}], dtype=object),
        },
    )
    manager = NaiveRewardManager(
        tokenizer, num_examine=0, compute_score=functools.partial(compute_score, url=envgym_server.url)
    )
    out = manager(data, return_dict=True)
    assert out["reward_tensor"].sum(dim=1).tolist() == [1.0, 0.0]
    assert out["reward_extra_info"]["envgym_status"] == ["ok", "ok"]
    assert compute_score("debug/echo", "x", "no-such-task", url=envgym_server.url) == {
        "score": 0.0,
        "envgym_status": "unknown_task",
    }
