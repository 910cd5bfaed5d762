"""envgym.adapters.openrlhf with OpenRLHF's real MultiTurnAgentExecutor (openrlhf 0.11.2, installed
without its GPU stack: flash-attn does not build here, so its Ray/DeepSpeed/vLLM trainer did not run).
A tiny random model stands in for the vLLM engine the executor calls; the envgym server is live."""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace

import httpx
import pytest

pytest.importorskip("openrlhf.utils.agent")
pytest.importorskip("transformers")

from openrlhf.utils.agent import MultiTurnAgentExecutor  # noqa: E402

from envgym.adapters.openrlhf import make_agent_executor  # noqa: E402
from envgym.testing.local_model import LocalModel, scripted_calls, tiny_model, tiny_tokenizer  # noqa: E402


class LocalEngine:
    """The vLLM engine's generate() as OpenRLHF calls it, with a tiny model behind it."""

    def __init__(self, backend: LocalModel) -> None:
        self.backend = backend
        self.prompts: list[list[int]] = []

    async def generate(self, prompt_token_ids, sampling_params, multi_modal_data=None):
        self.prompts.append(list(prompt_token_ids))
        ids, logprobs, finish = await asyncio.to_thread(
            self.backend._sample,
            list(prompt_token_ids),
            {"max_tokens": sampling_params.max_tokens, "seed": len(self.prompts)},
        )
        text = self.backend.tokenizer.decode(ids, skip_special_tokens=True)
        entries = [{t: SimpleNamespace(logprob=lp)} for t, lp in zip(ids, logprobs)]
        return SimpleNamespace(
            outputs=[SimpleNamespace(token_ids=ids, text=text, finish_reason=finish, logprobs=entries)]
        )


def test_executor_plays_envgym_episodes_with_templated_feedback(envgym_server):
    tokenizer = tiny_tokenizer("qwen2_5")
    backend = LocalModel(tiny_model(tokenizer), tokenizer, script=scripted_calls(tokenizer, "increment", "submit"))
    engine = LocalEngine(backend)
    Executor = make_agent_executor(envgym_server.url, "debug/counter", tokenizer, ttl_s=10)
    assert issubclass(Executor, MultiTurnAgentExecutor)
    prompt = tokenizer.apply_chat_template(
        [{"role": "user", "content": "Use the increment tool until the counter is 1, then call submit."}],
        tokenize=False,
        add_generation_prompt=True,
    )
    params = SimpleNamespace(max_tokens=None, logprobs=1)
    result = asyncio.run(Executor().execute(prompt, "count-to-1", params, 900, tokenizer, engine))
    assert result["reward"] == 1.0 and len(result["action_ranges"]) == 2
    tokens = result["observation_tokens"]
    # The feedback OpenRLHF appended is the template's own rendering of the tool result.
    text = tokenizer.decode(tokens, skip_special_tokens=False)
    assert (
        "<|im_end|>\n<|im_start|>user\n<tool_response>\ncounter = 1\n</tool_response><|im_end|>\n<|im_start|>assistant\n"
        in text
    )
    assert len(result["rollout_log_probs"]) == len(tokens)
    # The random model: OpenRLHF ends the episode at its length budget without telling the instance;
    # the session's ttl_s (longer than one model turn, or a slow turn would lose its session) gives it back.
    random_engine = LocalEngine(LocalModel(backend.model, tokenizer))
    result = asyncio.run(
        Executor().execute(
            prompt, "count-to-2", SimpleNamespace(max_tokens=None, logprobs=1), 420, tokenizer, random_engine
        )
    )
    assert result["reward"] == 0.0
    assert all(p == random_engine.prompts[-1][: len(p)] for p in random_engine.prompts)  # append-only context

    def closed():
        return httpx.get(f"{envgym_server.url}/healthz").json()["sessions_open"] == 0

    assert not closed()
    deadline = time.monotonic() + 30
    while not closed() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert closed()
