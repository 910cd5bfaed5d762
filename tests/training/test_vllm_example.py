"""examples/vllm/: the scripts a trainer runs against a vLLM-served policy, exercised here against
the scripted OpenAI-compatible server (tests/training/template_model.py stands in for vLLM: it
returns prompt_token_ids, token_ids and logprobs the way vLLM does when asked) and a real
`envgym serve` subprocess."""

from __future__ import annotations

import importlib.util
import json
import subprocess
from pathlib import Path

import pytest
from template_model import TemplateModel, counter_policy

from envgym.adapters.training import TrainingSample
from envgym.eval.server_process import ServerProcess, cli_command
from envgym.testing.openai_server import OpenAIServer

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "vllm"


def load(name: str):
    spec = importlib.util.spec_from_file_location(f"vllm_example_{name}", EXAMPLE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_samples(path: Path) -> list[TrainingSample]:
    return [TrainingSample.model_validate_json(line) for line in path.read_text().splitlines()]


def expected(generated):
    """(ids, mask, logprobs at mask) of one deterministic counter episode, from the server's own record."""
    by_length = sorted({tuple(p): (p, c, lp) for p, c, lp in generated}.values(), key=lambda g: len(g[0]))
    prompt, completion, _ = by_length[-1]
    mask = [0] * (len(prompt) + len(completion))
    for p, c, _ in by_length:
        mask[len(p) : len(p) + len(c)] = [1] * len(c)
    return prompt + completion, mask, [x for _, _, lps in by_length for x in lps]


@pytest.fixture(scope="module")
def envgym_server():
    with ServerProcess(["--sandbox", "process"]) as proc:
        yield proc


@pytest.fixture
def policy_server():
    model = TemplateModel(counter_policy())
    with OpenAIServer(model) as server:
        server.model = model
        yield server


def test_rollouts_to_samples(envgym_server, policy_server, tmp_path):
    out = tmp_path / "samples.jsonl"
    summary = load("rollouts_to_samples").main(
        [
            "--envgym-url",
            envgym_server.url,
            "--model-url",
            policy_server.base_url,
            "--model",
            "policy",
            "--env",
            "debug/counter",
            "--task",
            "count-to-2",
            "-n",
            "4",
            "--mode",
            "chat",
            "--out",
            str(out),
        ]
    )
    assert summary["status_counts"] == {"completed": 4} and summary["mean_reward"] == 1.0
    assert summary["samples"] == 4 and summary["token_mismatch"] == 0
    assert all(r.get("return_token_ids") is True and r.get("logprobs") is True for r in policy_server.requests)
    ids, mask, logprobs = expected(policy_server.model.generated)
    for sample in read_samples(out):
        assert sample.token_ids == ids and sample.loss_mask == mask
        assert [lp for lp, m in zip(sample.logprobs, mask) if m] == logprobs
        assert sample.reward == 1.0 and sample.turns == 3


def test_rollouts_error_is_typed(envgym_server, policy_server, tmp_path):
    from envgym.protocol.errors import UnknownTask

    with pytest.raises(UnknownTask):
        load("rollouts_to_samples").main(
            [
                "--envgym-url",
                envgym_server.url,
                "--model-url",
                policy_server.base_url,
                "--task",
                "no-such-task",
                "--out",
                str(tmp_path / "s.jsonl"),
            ]
        )


def test_envgym_eval_then_build_samples(envgym_server, policy_server, tmp_path):
    run = tmp_path / "run"
    done = subprocess.run(
        cli_command(
            "eval",
            "debug/counter",
            "--agent",
            "openai",
            "--model",
            "policy",
            "--base-url",
            policy_server.base_url,
            "--server",
            envgym_server.url,
            "--agent-set",
            "return_token_ids=true",
            "--agent-set",
            "logprobs=true",
            "--task",
            "count-to-2",
            "-k",
            "2",
            "--out",
            str(run),
            "--no-progress",
            "--json",
        ),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    summary = load("build_samples").main([str(run), "--out", str(tmp_path / "samples.jsonl")])
    assert summary["episodes"] == 2 and summary["samples"] == 2 and summary["mean_reward"] == 1.0
    ids, mask, logprobs = expected(policy_server.model.generated)
    for sample in read_samples(tmp_path / "samples.jsonl"):
        assert sample.token_ids == ids and sample.loss_mask == mask
        assert [lp for lp, m in zip(sample.logprobs, mask) if m] == logprobs
        assert sample.metadata["task_id"] == "count-to-2"


def test_build_samples_counts_mismatches_and_splits(tmp_path):
    import asyncio

    from envgym.agents.openai_agent import OpenAIAgent
    from envgym.eval.runner import EvalConfig, EvalRunner

    model = TemplateModel(counter_policy(think=True), strip_think=True)
    with OpenAIServer(model) as server:
        agent = OpenAIAgent(model="policy", base_url=server.base_url, return_token_ids=True, logprobs=True, retries=0)
        cfg = EvalConfig(env="debug/counter", agent="openai", out=tmp_path / "run", task_ids=["count-to-1"], samples=2)
        asyncio.run(EvalRunner(cfg, agent=agent).run())
    build = load("build_samples")
    strict = build.main([str(tmp_path / "run"), "--out", str(tmp_path / "a.jsonl")])
    assert strict["token_mismatch"] == 2 and strict["samples"] == 0
    split = build.main([str(tmp_path / "run"), "--out", str(tmp_path / "b.jsonl"), "--split-on-mismatch"])
    assert split["samples"] == 4 and split.get("token_mismatch", 0) == 0  # two turns each, cut apart
    assert json.loads(json.dumps(split))["mean_reward"] == 1.0
