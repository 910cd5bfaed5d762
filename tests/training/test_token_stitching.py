"""Token-in/token-out multi-turn rollouts (envgym.agents.tokens + the ``tokens`` agent) with a real random
model (tiny Qwen2-shaped, CPU) behind the vLLM-shaped stand-in server, for five chat templates read
from TRL's installed package: Qwen 2.5, Qwen 3 with thinking (it strips earlier reasoning), Qwen 3
without thinking, Llama 3.2 (JSON tool calls, ``ipython`` role) and Gemma 3 (no tool role).

Across 100 rollouts — random sampling plus forced hard turns: a malformed tool call, a reply cut by
the token budget, reasoning the template would strip — every trajectory must stitch into one sample
whose sampled ids are exactly what the model produced, whose environment ids are what the template
renders for the environment's messages, and whose every sampled token carries its policy version.
The control plays the same hard cases the old way (messages in, template re-rendered each turn) and
must fail to stitch, or this test would prove nothing.
"""

from __future__ import annotations

import asyncio
import json

import pytest

pytest.importorskip("transformers")
pytest.importorskip("trl")

from envgym.adapters.training import TokenMismatch, sample_from_record  # noqa: E402
from envgym.agents.loop import run_episode  # noqa: E402
from envgym.agents.openai_agent import OpenAIAgent  # noqa: E402
from envgym.agents.token_agent import TokenAgent  # noqa: E402
from envgym.builtin.debug import DebugEnvironment  # noqa: E402
from envgym.testing.local_model import FAMILIES, LocalModel, tiny_model, tiny_tokenizer  # noqa: E402
from envgym.testing.openai_server import OpenAIServer  # noqa: E402

ROLLOUTS_PER_FAMILY = 20
MAX_TOKENS = 48
BUDGET = 1400


def call_text(family: str, args: str = '{"by": 1}', name: str = "increment") -> str:
    """A tool call the way this family's model writes one (args may be malformed on purpose)."""
    parser = FAMILIES[family]["parser"]
    eos = FAMILIES[family]["eos"]
    if parser == "hermes":
        return f'<tool_call>{{"name": "{name}", "arguments": {args}}}</tool_call>{eos}'
    if parser == "llama3_json":
        return f'{{"name": "{name}", "parameters": {args}}}{eos}'
    return f'{{"name": "{name}", "arguments": {args}}}{eos}'


def scenario(family: str, rollout: int, turn: int) -> str | None:
    """What the model is made to say on a turn (None: it samples freely)."""
    think = "<think>add one</think>" if family.startswith("qwen3") else ""
    kind = rollout % 4
    if kind == 0:  # valid, malformed, then free sampling
        return {0: think + call_text(family), 1: call_text(family, "{by: 1}")}.get(turn)
    if kind == 1:  # a reply longer than the budget allows: cut mid-call, then the budget ends the episode
        return {0: think + call_text(family), 1: call_text(family) * 8}.get(turn)
    if kind == 2:  # solves count-to-1 with reasoning every turn (the template strips it from history)
        return {0: think + call_text(family), 1: think + call_text(family, "{}", "submit")}.get(turn)
    return None  # pure random model


@pytest.fixture(scope="module", params=list(FAMILIES))
def served(request):
    family = request.param
    tokenizer = tiny_tokenizer(family)
    model = tiny_model(tokenizer, seed=1)
    turns: dict[int, int] = {}

    def script(body, prompt):
        rollout = int(body["seed"])
        turn = turns.get(rollout, 0)
        turns[rollout] = turn + 1
        return scenario(family, rollout, turn)

    backend = LocalModel(
        model,
        tokenizer,
        tool_parser=FAMILIES[family]["parser"],
        template_kwargs=FAMILIES[family]["kwargs"],
        script=script,
    )
    with OpenAIServer.serving(backend) as server:
        yield family, tokenizer, backend, server, turns


def completions_sent(server, seed):
    return [r for r in server.requests if r.get("_route") == "/v1/completions" and r.get("seed") == seed]


async def play(family, server, seed, policy_version):
    spec = FAMILIES[family]
    agent = TokenAgent(
        model=f"tiny-{family}",
        base_url=server.base_url,
        tool_parser=spec["parser"],
        max_total_tokens=BUDGET,
        policy_version=policy_version,
        template_kwargs=spec["kwargs"],
        tool_role=spec["tool_role"],
        retries=0,
        sampling={"max_tokens": MAX_TOKENS, "temperature": 1.0, "seed": seed},
    )
    env = DebugEnvironment("counter", options={"max_turns": 5})
    try:
        return await run_episode(
            env, agent, DebugEnvironment.get_task("counter", "count-to-1"), DebugEnvironment, seed=seed
        )
    finally:
        await agent.aclose()


def test_token_in_token_out_rollouts_always_stitch(served):
    family, tokenizer, backend, server, _ = served
    failures = []
    statuses = set()
    malformed_seen = cut_seen = 0
    for i in range(ROLLOUTS_PER_FAMILY):
        seed = 1000 * list(FAMILIES).index(family) + i
        version = 7 if i < ROLLOUTS_PER_FAMILY // 2 else 8  # the trainer updated the policy half way
        backend.policy_version = version
        record = asyncio.run(play(family, server, seed, version))
        statuses.add(record.status.value)
        try:
            sample = sample_from_record(record, allow_unscored=True)
        except TokenMismatch as exc:
            failures.append((seed, exc.details))
            continue
        turns = record.extra["turns"]
        assert record.turns >= 1 and len(turns) >= 1
        # The model server got exactly the context the sample records, turn after turn.
        assert [r["prompt"] for r in completions_sent(server, seed)] == [t["prompt_token_ids"] for t in turns]
        # Sampled ids are kept verbatim, with their logprobs and policy version.
        sampled = [tok for t in turns for tok in t["token_ids"]]
        assert [tok for tok, m in zip(sample.token_ids, sample.loss_mask) if m] == sampled
        assert [lp for lp, m in zip(sample.logprobs, sample.loss_mask) if m] == [
            x for t in turns for x in t["logprobs"]
        ]
        assert {v for v, m in zip(sample.policy_versions, sample.loss_mask) if m} == {version}
        assert {v for v, m in zip(sample.policy_versions, sample.loss_mask) if not m} == {-1}
        # Environment ids are the template's rendering of the environment's messages.
        env_text = tokenizer.decode(
            [
                tok
                for tok, m in zip(sample.token_ids[sample.prompt_length :], sample.loss_mask[sample.prompt_length :])
                if not m
            ]
        )
        for message in record.messages[1:]:
            if message.role != "assistant" and record.messages.index(message) < len(record.messages) - 1:
                content = (
                    message.content
                    if FAMILIES[family]["parser"] != "llama3_json"
                    else json.dumps(message.content)[1:-1]
                )
                assert content[:40] in env_text, (content, env_text[-300:])
        if any(t["finish_reason"] == "length" for t in turns):
            cut_seen += 1
        if any("not valid JSON" in (m.content or "") for m in record.messages if m.role == "user"):
            malformed_seen += 1
    assert failures == [], (
        f"{len(failures)} of {ROLLOUTS_PER_FAMILY} {family} rollouts failed to stitch: {failures[:3]}"
    )
    assert malformed_seen >= ROLLOUTS_PER_FAMILY // 4 and cut_seen >= ROLLOUTS_PER_FAMILY // 4
    assert "completed" in statuses and "truncated" in statuses


def test_control_messages_in_rerendering_fails_on_the_same_cases(served):
    """The old path (chat completions, template re-applied to the whole conversation each turn) on the
    hard cases: it cannot reproduce what was sampled, so its trajectories do not stitch."""
    family, tokenizer, backend, server, turns = served
    spec = FAMILIES[family]
    failed = 0
    for i in range(4):
        seed = 90_000 + 1000 * list(FAMILIES).index(family) + 4 * i

        async def chat_play(seed: int):
            agent = OpenAIAgent(
                model="tiny",
                base_url=server.base_url,
                return_token_ids=True,
                logprobs=True,
                retries=0,
                sampling={"max_tokens": MAX_TOKENS, "seed": seed, "chat_template_kwargs": spec["kwargs"]},
            )
            try:
                env = DebugEnvironment("counter", options={"max_turns": 3})
                return await run_episode(
                    env, agent, DebugEnvironment.get_task("counter", "count-to-1"), DebugEnvironment
                )
            finally:
                await agent.aclose()

        record = asyncio.run(chat_play(seed))
        if record.status.value == "agent_error":  # the template could not even re-render the conversation (Gemma)
            failed += 1
            continue
        if len(record.extra["turns"]) < 2:
            continue
        try:
            sample_from_record(record, allow_unscored=True)
        except TokenMismatch:
            failed += 1
    assert failed >= 1, f"the messages-in path stitched every {family} trajectory: the control has no teeth"


def test_envgym_eval_with_the_tokens_agent(tmp_path):
    """The CLI path: `envgym eval --agent tokens` writes records whose turns build stitched samples."""
    import subprocess

    from envgym.agents.loop import EpisodeRecord
    from envgym.eval.server_process import cli_command

    tokenizer = tiny_tokenizer("qwen2_5")
    eos = tokenizer.eos_token

    def script(body, prompt):
        name = "submit" if "counter = 1" in tokenizer.decode(prompt) else "increment"
        return f'<tool_call>{{"name": "{name}", "arguments": {{}}}}</tool_call>{eos}'

    with OpenAIServer.serving(LocalModel(tiny_model(tokenizer), tokenizer, script=script)) as policy:
        done = subprocess.run(
            cli_command(
                "eval",
                "debug/counter",
                "--agent",
                "tokens",
                "--model",
                "Qwen-tiny",
                "--base-url",
                policy.base_url,
                "--tasks",
                "1",
                "--out",
                str(tmp_path),
                "--agent-set",
                "policy_version=3",
            ),
            capture_output=True,
            text=True,
            timeout=600,
        )
    assert done.returncode == 0, done.stderr
    record = EpisodeRecord.model_validate_json((tmp_path / "episodes.jsonl").read_text().splitlines()[0])
    sample = sample_from_record(record)
    assert sample.reward == 1.0 and sample.turns == 2 and set(sample.policy_versions) == {-1, 3}
