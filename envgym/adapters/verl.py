"""verl: an agent loop registered as ``envgym`` (multi-turn, token-in/token-out) and a
``compute_score`` for single-turn tasks.

``EnvgymAgentLoop`` plays one envgym session per sample: the prompt ids come from the session's
first observation through the chat template, each reply is sampled through verl's own
``server_manager.generate`` and kept verbatim (mask 1, with its logprobs), the reply's text goes to
the environment (``tool_parser`` reads its tool calls), and the environment's answer is appended as
the template's delta (``envgym.agents.tokens``, mask 0) — nothing is re-tokenised. It stops when the
episode ends, at ``max_turns``, or when ``rollout.response_length`` is used up; the episode's reward
is the sample's ``reward_score``; ``extra_fields["envgym_status"]`` marks error statuses.

Configure it in verl's agent-loop file (extra keys become constructor arguments)::

    - name: envgym
      _target_: envgym.adapters.verl.EnvgymAgentLoop
      url: http://127.0.0.1:8000
      env: debug/counter
      tool_parser: hermes

and give each dataset row ``agent_name: envgym`` and ``extra_info: {task_id: ...}`` (``env`` there
overrides the loop's). For single-turn data, set ``custom_reward_function.path`` to this module and
``name`` to ``compute_score``: ``data_source`` is the envgym environment id and
``reward_model.ground_truth`` the task id (the answer itself stays on the server).

Example:
    >>> compute_score("debug/echo", "delta", "echo-3", url="http://127.0.0.1:8000")   # doctest: +SKIP
    {'score': 1.0, 'envgym_status': 'ok'}
"""

from __future__ import annotations

import os
import uuid
from typing import Any

from verl.experimental.agent_loop.agent_loop import AgentLoopBase, AgentLoopMetrics, AgentLoopOutput, register

from envgym.adapters.text import AsyncTextEpisode
from envgym.agents.tokens import TokenizerRenderer, TokenTranscript
from envgym.client import Client
from envgym.protocol.errors import EnvgymError

__all__ = ["EnvgymAgentLoop", "compute_score"]


def compute_score(
    data_source: str,
    solution_str: str,
    ground_truth: str,
    extra_info: dict[str, Any] | None = None,
    *,
    url: str | None = None,
    token: str | None = None,
    timeout: float = 600.0,
) -> dict[str, Any]:
    """verl's reward function for single-turn envgym tasks: grade ``solution_str`` as the answer to
    task ``ground_truth`` of environment ``data_source`` (``POST /v1/grade``). verl wants a number, so
    a grading that failed scores 0.0 with ``envgym_status`` saying why (filter on it)."""
    url = url or (extra_info or {}).get("envgym_url") or os.environ.get("ENVGYM_URL")
    if not url:
        raise ValueError(
            "compute_score needs the envgym server: reward_kwargs.url, extra_info.envgym_url or $ENVGYM_URL"
        )
    try:
        with Client(url, token=token, timeout=timeout) as client:
            grade = client.grade(env=data_source, task_id=str(ground_truth), submission={"answer": solution_str})
    except EnvgymError as exc:
        return {"score": 0.0, "envgym_status": exc.code}
    return {"score": float(grade.reward) if grade.status == "ok" else 0.0, "envgym_status": grade.status}


@register("envgym")
class EnvgymAgentLoop(AgentLoopBase):
    """Multi-turn envgym episodes inside verl's rollout (see the module docstring)."""

    def __init__(
        self,
        *args: Any,
        url: str | None = None,
        env: str | None = None,
        tool_parser: str = "hermes",
        token: str | None = None,
        max_turns: int = 20,
        ttl_s: float = 600.0,
        tool_role: str = "tool",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.url = url or os.environ.get("ENVGYM_URL")
        self.env = env
        self.tool_parser = tool_parser
        self.token = token
        self.max_turns = max_turns
        self.ttl_s = ttl_s
        self.tool_role = tool_role
        self.response_length = self.rollout_config.response_length
        self.renderer = TokenizerRenderer(self.tokenizer, **dict(self.apply_chat_template_kwargs or {}))

    async def run(self, sampling_params: dict[str, Any], **kwargs: Any) -> AgentLoopOutput:
        info = dict(kwargs.get("extra_info") or {})
        env, task_id = info.get("env", self.env), info.get("task_id")
        if not self.url or not env or task_id is None:
            raise ValueError("the envgym agent loop needs url, env and extra_info.task_id")
        episode = AsyncTextEpisode(
            self.url, env, tool_parser=self.tool_parser, token=self.token, ttl_s=self.ttl_s, tool_role=self.tool_role
        )
        transcript = TokenTranscript(self.renderer)
        turns = 0
        try:
            first = await episode.start(str(task_id), info.get("seed"))
            await transcript.start(first, episode.tools)
            while turns < self.max_turns:
                left = self.response_length - (len(transcript.ids) - transcript.prompt_length)
                if left <= 0:
                    break
                output = await self.server_manager.generate(
                    request_id=uuid.uuid4().hex,
                    prompt_ids=transcript.prompt_ids,
                    sampling_params={**sampling_params, "max_tokens": left},
                )
                transcript.add_model(
                    output.token_ids, output.log_probs or None, policy_version=int(info.get("policy_version", 0))
                )
                turns += 1
                # verl annotates tokenizer as the AutoTokenizer factory class; it holds a tokenizer instance.
                turn = await episode.step(
                    self.tokenizer.decode(  # type: ignore[attr-defined]
                        output.token_ids, skip_special_tokens=True
                    )
                )
                if turn.done:
                    break
                await transcript.add_environment(turn.messages)
        finally:
            await episode.close()
        cut = transcript.prompt_length
        end = cut + self.response_length
        mask = transcript.mask[cut:end]
        return AgentLoopOutput(
            prompt_ids=transcript.ids[:cut],
            response_ids=transcript.ids[cut:end],
            response_mask=mask,
            response_logprobs=transcript.logprobs[cut:end] if any(mask) else None,
            reward_score=0.0 if episode.status.is_error else episode.reward,
            num_turns=2 * turns + 1,
            metrics=AgentLoopMetrics(),
            extra_fields={"envgym_status": episode.status.value, "turn_scores": [], "tool_rewards": []},
        )
