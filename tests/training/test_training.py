"""envgym.adapters.training: samples from multi-turn trajectories, checked against a scripted model server
whose token ids follow a chat template (tests/training/template_model.py)."""

from __future__ import annotations

import pytest
from template_model import END, TemplateModel, counter_policy

from envgym.adapters.training import (
    TokenDataError,
    TokenMismatch,
    UnscoredEpisode,
    sample_from_record,
    sample_from_turns,
    samples_from_record,
    samples_from_response,
    samples_from_turns,
)
from envgym.agents.loop import EpisodeRecord, run_episode
from envgym.agents.openai_agent import OpenAIAgent
from envgym.builtin.debug import DebugEnvironment
from envgym.eval.rollouts import ModelEndpoint, RolloutRequest, run_rollouts
from envgym.protocol import EpisodeStatus
from envgym.testing.openai_server import OpenAIServer


def expected_mask(generated):
    """Mask built from the server's own record: 1 exactly on each turn's completion positions."""
    final_prompt, final_completion, _ = generated[-1]
    mask = [0] * (len(final_prompt) + len(final_completion))
    for prompt, completion, _ in generated:
        for i in range(len(prompt), len(prompt) + len(completion)):
            mask[i] = 1
    return final_prompt + final_completion, mask


async def play_counter(model: TemplateModel, task_id: str = "count-to-2", **agent_kwargs) -> EpisodeRecord:
    async with OpenAIServer(model) as server:
        agent = OpenAIAgent(model="m", base_url=server.base_url, retries=0, **agent_kwargs)
        task = DebugEnvironment.get_task("counter", task_id)
        try:
            return await run_episode(DebugEnvironment("counter"), agent, task, DebugEnvironment, seed=3)
        finally:
            await agent.aclose()


# ---------------------------------------------------------------------- stitching rules


def test_environment_tokens_between_turns_are_masked_out():
    turns = [
        {"prompt_token_ids": [1, 2, 3], "token_ids": [10, 11], "logprobs": [-0.1, -0.2]},
        {"prompt_token_ids": [1, 2, 3, 10, 11, 20, 21, 22], "token_ids": [12], "logprobs": [-0.3]},
    ]
    s = sample_from_turns(turns, reward=0.5)
    assert s.token_ids == [1, 2, 3, 10, 11, 20, 21, 22, 12]
    assert s.loss_mask == [0, 0, 0, 1, 1, 0, 0, 0, 1]
    assert s.logprobs == [0, 0, 0, -0.1, -0.2, 0, 0, 0, -0.3]
    assert (s.prompt_length, s.turns, s.reward, s.model_token_count) == (3, 2, 0.5, 3)
    assert s.completion_ids == [10, 11, 20, 21, 22, 12] and s.completion_mask == [1, 1, 0, 0, 0, 1]


def test_divergent_prompt_raises_token_mismatch_with_position():
    turns = [
        {"prompt_token_ids": [1, 2], "token_ids": [3, 4], "logprobs": [-1, -1]},
        {"prompt_token_ids": [1, 2, 3, 9, 5], "token_ids": [6], "logprobs": [-1]},
    ]
    with pytest.raises(TokenMismatch) as info:
        sample_from_turns(turns, reward=1.0)
    assert info.value.code == "token_mismatch"
    assert info.value.details["turn"] == 1 and info.value.details["position"] == 3


def test_shorter_prompt_is_a_mismatch_too():
    turns = [
        {"prompt_token_ids": [1, 2], "token_ids": [3, 4], "logprobs": [-1, -1]},
        {"prompt_token_ids": [1, 2, 3], "token_ids": [6], "logprobs": [-1]},
    ]
    with pytest.raises(TokenMismatch) as info:
        sample_from_turns(turns, reward=1.0)
    assert info.value.details["position"] == 3


def test_split_on_mismatch_gives_consistent_pieces():
    turns = [
        {"prompt_token_ids": [1, 2], "token_ids": [3], "logprobs": [-1]},
        {"prompt_token_ids": [1, 2, 3, 7], "token_ids": [4], "logprobs": [-2]},
        {"prompt_token_ids": [1, 2, 99, 7, 4, 8], "token_ids": [5], "logprobs": [-3]},
    ]
    pieces = samples_from_turns(turns, reward=1.0, split_on_mismatch=True)
    assert [p.token_ids for p in pieces] == [[1, 2, 3, 7, 4], [1, 2, 99, 7, 4, 8, 5]]
    assert [p.loss_mask for p in pieces] == [[0, 0, 1, 0, 1], [0, 0, 0, 0, 0, 0, 1]]
    assert [p.metadata["first_turn"] for p in pieces] == [0, 2] and all(p.reward == 1.0 for p in pieces)


@pytest.mark.parametrize(
    "turn, message",
    [
        ({"token_ids": [1], "logprobs": [-1]}, "prompt_token_ids"),
        ({"prompt_token_ids": [1]}, "token_ids"),
        ({"prompt_token_ids": [1], "token_ids": [2, 3], "logprobs": [-1]}, "line up"),
        ({"prompt_token_ids": [1], "token_ids": [2]}, "no logprobs"),
        ({"prompt_token_ids": ["a"], "token_ids": [2], "logprobs": [-1]}, "integer token ids"),
    ],
)
def test_missing_or_malformed_token_data_is_a_typed_error(turn, message):
    with pytest.raises(TokenDataError, match=message):
        sample_from_turns([turn], reward=0.0)


def test_logprobs_can_be_optional():
    s = sample_from_turns([{"prompt_token_ids": [1], "token_ids": [2]}], reward=0.0, require_logprobs=False)
    assert s.logprobs is None and s.loss_mask == [0, 1]


def test_no_turns_is_an_error():
    with pytest.raises(TokenDataError):
        sample_from_turns([], reward=1.0)


# ---------------------------------------------------------------------- against the scripted model server


async def test_agent_episode_sample_masks_exactly_the_model_tokens():
    model = TemplateModel(counter_policy())
    record = await play_counter(model, return_token_ids=True, logprobs=True)
    assert record.status is EpisodeStatus.completed and record.reward == 1.0
    assert len(model.generated) == 3  # increment, increment, submit
    sample = sample_from_record(record)
    ids, mask = expected_mask(model.generated)
    assert sample.token_ids == ids
    assert sample.loss_mask == mask
    # the masked tokens are, in order, exactly what the model generated, and nothing else
    assert [t for t, m in zip(sample.token_ids, sample.loss_mask) if m] == [t for _, c, _ in model.generated for t in c]
    assert [lp for lp, m in zip(sample.logprobs, sample.loss_mask) if m] == [
        lp for _, _, lps in model.generated for lp in lps
    ]
    assert all(lp == 0.0 for lp, m in zip(sample.logprobs, sample.loss_mask) if not m)
    # the tool results sit between the turns, unmasked
    assert sample.loss_mask.count(1) < len(sample.completion_ids)
    assert sample.reward == 1.0 and sample.metadata["task_id"] == "count-to-2" and sample.turns == 3
    assert sample.token_ids[sample.prompt_length - 1] == 50_003 and sample.token_ids[-1] == END


async def test_reasoning_dropped_by_the_template_is_detected():
    model = TemplateModel(counter_policy(think=True), strip_think=True)
    record = await play_counter(model, return_token_ids=True, logprobs=True)
    assert record.status is EpisodeStatus.completed
    with pytest.raises(TokenMismatch) as info:
        sample_from_record(record)
    assert info.value.details["turn"] == 1
    pieces = samples_from_record(record, split_on_mismatch=True)
    assert len(pieces) == len(model.generated)  # every turn re-renders the previous one: one piece per turn
    for piece, (prompt, completion, lps) in zip(pieces, model.generated):
        assert piece.token_ids == prompt + completion
        assert piece.loss_mask == [0] * len(prompt) + [1] * len(completion)
        assert piece.logprobs[len(prompt) :] == lps


async def test_without_token_ids_requested_the_error_says_how_to_get_them():
    record = await play_counter(TemplateModel(counter_policy()))
    with pytest.raises(TokenDataError, match="return_token_ids"):
        sample_from_record(record)


async def test_rollout_response_samples_and_jsonl_round_trip():
    model = TemplateModel(counter_policy())
    async with OpenAIServer(model) as server:
        request = RolloutRequest(
            env="debug/counter",
            task_id="count-to-1",
            n=3,
            seed=0,
            model=ModelEndpoint(base_url=server.base_url, name="m", retries=0, mode="chat"),
        )
        response = await run_rollouts(
            request,
            DebugEnvironment.get_task("counter", "count-to-1"),
            DebugEnvironment,
            "debug/counter",
            lambda: DebugEnvironment("counter"),
        )
    wire = response.model_dump(mode="json")  # what a trainer reads off POST /v1/rollouts
    samples = samples_from_response(wire)
    assert len(samples) == 3
    # the policy is deterministic, so every rollout saw the same two prompts and generated the same tokens
    first = min(model.generated, key=lambda g: len(g[0]))
    last = max(model.generated, key=lambda g: len(g[0]))
    ids, mask = expected_mask([first, last])
    for sample in samples:
        assert sample.reward == 1.0 and sample.turns == 2
        assert sample.token_ids == ids and sample.loss_mask == mask
        assert [lp for lp, m in zip(sample.logprobs, mask) if m] == first[2] + last[2]
        assert sample.metadata["env"] == "debug/counter" and sample.metadata["task_id"] == "count-to-1"


async def test_error_episodes_make_no_sample_unless_asked():
    record = EpisodeRecord(
        env="debug/counter",
        task_id="t",
        agent="openai",
        status=EpisodeStatus.env_error,
        extra={"turns": [{"prompt_token_ids": [1], "token_ids": [2], "logprobs": [-1.0]}]},
    )
    with pytest.raises(UnscoredEpisode):
        sample_from_record(record)
    assert sample_from_record(record, allow_unscored=True).status is EpisodeStatus.env_error
    assert sample_from_record(record.model_dump(mode="json"), allow_unscored=True).token_ids == [1, 2]
