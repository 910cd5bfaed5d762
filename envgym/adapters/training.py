"""Trainer-side helper: turn a finished multi-turn trajectory into one token-level training sample.

A sample is the whole conversation as the model saw it — token ids, a loss mask that is 1 exactly
on the tokens the model generated, the sampled tokens' logprobs aligned with the ids, and the
episode's reward. Nothing is re-tokenised: every id comes from the model server (vLLM returns the
prompt's ids and the completion's ids when a chat request sets ``return_token_ids``, and per-token
logprobs with ``logprobs``; the ``openai`` agent asks for both with ``return_token_ids=True,
logprobs=True`` and ``POST /v1/rollouts`` asks by default).

Stitching: turn ``k``'s context is its prompt ids followed by its completion ids. Turn ``k+1``'s
prompt must start with exactly that context; what it adds after it — the end-of-turn marker the
chat template writes, the tool results or user message, the next generation prompt — is the
environment's, mask 0. If a prompt does not extend the previous context (the chat template
rendered the model's earlier turn differently from the tokens it sampled, e.g. it dropped
reasoning or re-serialised a tool call), ``TokenMismatch`` is raised with where the two diverge,
rather than producing masks that silently credit the model with tokens it never sampled. With
``split_on_mismatch=True`` the trajectory is cut there instead, into several consistent samples.

Example:
    >>> turns = [{"prompt_token_ids": [1, 2], "token_ids": [3, 4], "logprobs": [-0.5, -0.1]},
    ...          {"prompt_token_ids": [1, 2, 3, 4, 9], "token_ids": [5], "logprobs": [-0.2]}]
    >>> s = sample_from_turns(turns, reward=1.0)
    >>> s.token_ids, s.loss_mask, s.prompt_length
    ([1, 2, 3, 4, 9, 5], [0, 0, 1, 1, 0, 1], 2)
    >>> s.logprobs
    [0.0, 0.0, -0.5, -0.1, 0.0, -0.2]
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence

from pydantic import BaseModel, Field

from envgym.agents.loop import EpisodeRecord
from envgym.agents.tokens import common_prefix
from envgym.eval.rollouts import Rollout, RolloutResponse
from envgym.protocol import EpisodeStatus
from envgym.protocol.errors import EnvgymError

__all__ = [
    "TrainingSample",
    "TokenDataError",
    "TokenMismatch",
    "UnscoredEpisode",
    "sample_from_turns",
    "samples_from_turns",
    "sample_from_record",
    "samples_from_record",
    "sample_from_rollout",
    "samples_from_rollout",
    "samples_from_response",
]


class TokenDataError(EnvgymError):
    """A model turn lacks the token ids (or logprobs) a sample needs, or they are malformed.

    Usually the model server was not asked for them: run the ``openai`` agent with
    ``return_token_ids=True, logprobs=True`` (``--agent-set return_token_ids=true --agent-set
    logprobs=true``) against vLLM >= 0.10.2, whose chat endpoint accepts ``return_token_ids``.
    """

    code = "token_data_missing"
    http_status = 422


class TokenMismatch(EnvgymError):
    """A turn's prompt ids do not start with the previous turn's prompt + completion ids: the
    server re-tokenised the conversation differently from what the model sampled, so the mask
    could not be trusted. ``details``: ``turn``, ``position`` (first differing index), and the
    ``expected``/``got`` ids around it."""

    code = "token_mismatch"
    http_status = 422


class UnscoredEpisode(EnvgymError):
    """The episode ended with an error status (agent_error, env_error, grader_error, timeout): its
    reward means nothing, so it is not turned into a sample unless asked (``allow_unscored=True``)."""

    code = "unscored_episode"
    http_status = 422


class TrainingSample(BaseModel):
    """One sequence for a policy-gradient update.

    ``token_ids``, ``loss_mask`` and ``logprobs`` have the same length. ``loss_mask[i]`` is 1 when
    the model generated ``token_ids[i]``; ``logprobs[i]`` is that token's logprob under the policy
    that sampled it (0.0 where the mask is 0), or ``logprobs`` is None when the server returned none
    and they were not required. ``prompt_length`` is the length of the first prompt (always masked).
    """

    token_ids: list[int]
    loss_mask: list[int]
    logprobs: list[float] | None
    policy_versions: list[int] | None = Field(
        None,
        description="per token: the policy version that sampled it where the "
        "mask is 1, -1 elsewhere; None when the turns carried no version",
    )
    reward: float
    prompt_length: int
    turns: int = Field(description="model turns stitched into this sample")
    status: EpisodeStatus = EpisodeStatus.completed
    metadata: dict[str, Any] = Field(default_factory=dict)

    @property
    def completion_ids(self) -> list[int]:
        """Everything after the first prompt (model and environment tokens)."""
        return self.token_ids[self.prompt_length :]

    @property
    def completion_mask(self) -> list[int]:
        return self.loss_mask[self.prompt_length :]

    @property
    def model_token_count(self) -> int:
        return sum(self.loss_mask)


def _ints(value: Any, what: str, turn: int) -> list[int]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise TokenDataError(
            f"turn {turn}: {what} must be a list of integer token ids, got {type(value).__name__}",
            details={"turn": turn, "field": what},
        )
    return list(value)


def _turn_fields(turn: Any) -> Mapping[str, Any]:
    if isinstance(turn, BaseModel):
        return turn.model_dump()
    if isinstance(turn, Mapping):
        return turn
    raise TokenDataError(f"a turn is a mapping or a pydantic model, not {type(turn).__name__}")


class _Builder:
    """Accumulates one consistent segment of a trajectory."""

    def __init__(self, prompt: list[int], first_turn: int) -> None:
        self.ids = list(prompt)
        self.mask = [0] * len(prompt)
        self.logprobs: list[float] = [0.0] * len(prompt)
        self.versions: list[int] = [-1] * len(prompt)
        self.missing_versions = False
        self.prompt_length = len(prompt)
        self.first_turn = first_turn
        self.turns = 0
        self.missing_logprobs = False

    def add_environment(self, ids: Sequence[int]) -> None:
        self.ids.extend(ids)
        self.mask.extend([0] * len(ids))
        self.logprobs.extend([0.0] * len(ids))
        self.versions.extend([-1] * len(ids))

    def add_model(self, ids: Sequence[int], logprobs: Sequence[float] | None, version: int | None = None) -> None:
        self.ids.extend(ids)
        self.mask.extend([1] * len(ids))
        if version is None:
            self.missing_versions = True
        self.versions.extend([-1 if version is None else int(version)] * len(ids))
        if logprobs is None:
            self.missing_logprobs = True
            self.logprobs.extend([0.0] * len(ids))
        else:
            self.logprobs.extend(float(x) for x in logprobs)
        self.turns += 1

    def sample(self, reward: float, status: EpisodeStatus, metadata: dict[str, Any]) -> TrainingSample:
        return TrainingSample(
            token_ids=self.ids,
            loss_mask=self.mask,
            logprobs=None if self.missing_logprobs else self.logprobs,
            policy_versions=None if self.missing_versions else self.versions,
            reward=reward,
            prompt_length=self.prompt_length,
            turns=self.turns,
            status=status,
            metadata={**metadata, "first_turn": self.first_turn},
        )


def samples_from_turns(
    turns: Iterable[Any],
    reward: float,
    *,
    status: EpisodeStatus | str = EpisodeStatus.completed,
    require_logprobs: bool = True,
    split_on_mismatch: bool = False,
    metadata: dict[str, Any] | None = None,
) -> list[TrainingSample]:
    """Stitch per-turn token data into samples: one, or several when ``split_on_mismatch`` cuts
    the trajectory where a prompt does not extend the previous context (each piece then starts
    from that turn's full prompt; all pieces carry the episode's reward).

    Each turn is a mapping (or model) with ``prompt_token_ids``, ``token_ids`` and ``logprobs``
    (one float per generated token) — the shape of ``EpisodeRecord.extra["turns"]`` and of a
    rollout's ``token_turns``. Raises ``TokenDataError`` when ids are missing or logprobs do not
    line up, ``TokenMismatch`` on a divergent prompt (unless splitting).

    Example:
        >>> turns = [{"prompt_token_ids": [1], "token_ids": [2], "logprobs": [-1.0]},
        ...          {"prompt_token_ids": [7, 1], "token_ids": [3], "logprobs": [-2.0]}]
        >>> [s.token_ids for s in samples_from_turns(turns, 0.5, split_on_mismatch=True)]
        [[1, 2], [7, 1, 3]]
    """
    status = EpisodeStatus(status)
    metadata = dict(metadata or {})
    segments: list[_Builder] = []
    current: _Builder | None = None
    for index, raw in enumerate(turns):
        turn = _turn_fields(raw)
        if turn.get("prompt_token_ids") is None or turn.get("token_ids") is None:
            missing = [k for k in ("prompt_token_ids", "token_ids") if turn.get(k) is None]
            raise TokenDataError(
                f"turn {index} has no {' or '.join(missing)}: the model server did not return token ids "
                "(ask for them with return_token_ids=True; vLLM >= 0.10.2 supports it)",
                details={"turn": index, "missing": missing},
            )
        prompt = _ints(turn["prompt_token_ids"], "prompt_token_ids", index)
        completion = _ints(turn["token_ids"], "token_ids", index)
        logprobs = turn.get("logprobs")
        if logprobs is not None:
            count = len(logprobs) if isinstance(logprobs, (list, tuple)) else None
            if count != len(completion):
                raise TokenDataError(
                    f"turn {index}: {'no' if count is None else count} logprobs for {len(completion)} generated "
                    "tokens; they must line up one to one",
                    details={"turn": index, "token_ids": len(completion), "logprobs": count},
                )
        elif require_logprobs:
            raise TokenDataError(
                f"turn {index} has no logprobs (ask the model server with logprobs=True, or pass "
                "require_logprobs=False to build samples whose logprobs are None)",
                details={"turn": index, "missing": ["logprobs"]},
            )
        if current is None:
            current = _Builder(prompt, index)
        else:
            context = current.ids
            if prompt[: len(context)] != context:
                if not split_on_mismatch:
                    at = common_prefix(context, prompt)
                    raise TokenMismatch(
                        f"turn {index}'s prompt ids do not extend the previous turns' ids (first difference at position {at} "
                        f"of {len(context)}): the server's chat template re-tokenised an earlier turn differently from what "
                        "the model sampled. Use a template that renders past assistant turns verbatim, or "
                        "split_on_mismatch=True to cut the trajectory here",
                        details={
                            "turn": index,
                            "position": at,
                            "context_length": len(context),
                            "prompt_length": len(prompt),
                            "expected": context[max(0, at - 4) : at + 4],
                            "got": prompt[max(0, at - 4) : at + 4],
                        },
                    )
                segments.append(current)
                current = _Builder(prompt, index)
            else:
                current.add_environment(prompt[len(context) :])
        version = turn.get("policy_version")
        current.add_model(
            completion, logprobs, version if isinstance(version, int) and not isinstance(version, bool) else None
        )
    if current is None:
        raise TokenDataError("the trajectory has no model turns to build a sample from", details={"turns": 0})
    segments.append(current)
    return [seg.sample(reward, status, metadata) for seg in segments]


def sample_from_turns(turns: Iterable[Any], reward: float, **kwargs: Any) -> TrainingSample:
    """The single sample of a trajectory whose turns stitch without a mismatch (see ``samples_from_turns``)."""
    return samples_from_turns(turns, reward, **{**kwargs, "split_on_mismatch": False})[0]


def _check_scored(status: EpisodeStatus, allow_unscored: bool, where: str) -> None:
    if status.is_error and not allow_unscored:
        raise UnscoredEpisode(
            f"{where} ended {status.value}; its reward means nothing, so it makes no training sample "
            "(drop or retry it, or pass allow_unscored=True)",
            details={"status": status.value},
        )


def samples_from_record(record: Any, *, allow_unscored: bool = False, **kwargs: Any) -> list[TrainingSample]:
    """Samples from an ``EpisodeRecord`` (or its JSON dict, one line of ``episodes.jsonl``) played by
    the ``openai`` agent with token ids: its ``extra["turns"]`` and ``reward``."""
    rec = record if isinstance(record, EpisodeRecord) else EpisodeRecord.model_validate(record)
    _check_scored(rec.status, allow_unscored, f"episode {rec.task_id} (sample {rec.sample})")
    meta = {"env": rec.env, "task_id": rec.task_id, "sample": rec.sample, "seed": rec.seed, "model": rec.model}
    return samples_from_turns(
        rec.extra.get("turns") or [],
        rec.reward,
        status=rec.status,
        metadata={**meta, **kwargs.pop("metadata", {})},
        **kwargs,
    )


def sample_from_record(record: Any, *, allow_unscored: bool = False, **kwargs: Any) -> TrainingSample:
    """The single sample of an ``EpisodeRecord`` (raises ``TokenMismatch`` rather than splitting).

    Example:
        >>> # rec = await run_episode(client.episode("debug/counter"), OpenAIAgent(..., return_token_ids=True,
        >>> #                         logprobs=True), task, env_cls); sample = sample_from_record(rec)
    """
    return samples_from_record(record, allow_unscored=allow_unscored, **{**kwargs, "split_on_mismatch": False})[0]


def samples_from_rollout(
    rollout: Any, *, allow_unscored: bool = False, metadata: dict[str, Any] | None = None, **kwargs: Any
) -> list[TrainingSample]:
    """Samples from one rollout of a ``POST /v1/rollouts`` answer (a ``Rollout`` or its JSON dict)."""
    ro = rollout if isinstance(rollout, Rollout) else Rollout.model_validate(rollout)
    _check_scored(ro.status, allow_unscored, f"rollout {ro.index}")
    return samples_from_turns(
        ro.token_turns,
        ro.reward,
        status=ro.status,
        metadata={"index": ro.index, "seed": ro.seed, **(metadata or {})},
        **kwargs,
    )


def sample_from_rollout(rollout: Any, *, allow_unscored: bool = False, **kwargs: Any) -> TrainingSample:
    """The single sample of one rollout (raises ``TokenMismatch`` rather than splitting)."""
    return samples_from_rollout(rollout, allow_unscored=allow_unscored, **{**kwargs, "split_on_mismatch": False})[0]


def samples_from_response(response: Any, *, skip_unscored: bool = True, **kwargs: Any) -> list[TrainingSample]:
    """Samples from a whole ``POST /v1/rollouts`` answer (``RolloutResponse`` or its JSON dict).
    Rollouts with an error status are skipped (``skip_unscored=False`` raises ``UnscoredEpisode``).

    Example:
        >>> # samples = samples_from_response(httpx.post(f"{url}/v1/rollouts", json=req).json())
    """
    resp = response if isinstance(response, RolloutResponse) else RolloutResponse.model_validate(response)
    metadata = {"env": resp.env, "task_id": resp.task_id, "model": resp.model}
    out: list[TrainingSample] = []
    for rollout in resp.rollouts:
        if not (skip_unscored and rollout.status.is_error):
            out.extend(samples_from_rollout(rollout, metadata=metadata, **kwargs))
    return out
