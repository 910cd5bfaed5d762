"""TRL (``GRPOTrainer``) against an envgym server, in each of TRL's three seams.

* ``reward_function(url, env)`` — TRL's ``reward_funcs``: scores a whole batch of completions in one
  ``POST /v1/grade/batch`` (graded concurrently server-side). A completion that could not be graded
  (unknown task, grader broke) scores ``None``, which TRL leaves out of that sample's reward.
* ``environment_factory(url, env)`` — a class for TRL's ``environment_factory``: one public method
  per tool of the environment (signature, type hints and a Google-style docstring built from the
  tool's JSON schema, as TRL requires), ``reset(**row)`` opening a session for ``row["task_id"]`` and
  ``get_reward()`` closing it and returning its reward (``None`` for an error status).
* ``rollout_func(url, env, model_url, model)`` — TRL's ``rollout_func``: whole multi-turn rollouts
  played by the envgym server against your vLLM server (``POST /v1/rollouts``, token-in/token-out),
  ``num_generations`` per prompt, returned as TRL wants them: first-prompt ids, then everything after
  (model and environment tokens) as the completion, with ``env_mask`` (1 on the model's tokens),
  ``logprobs`` and the episode's reward in the ``envgym_reward`` column (score with ``rollout_reward``).
  The trainer's ``global_step`` is sent as the policy version. An errored rollout keeps its slot
  (its reward is ``None``) so the group size holds.

Example (``pip install 'envgym[trl]'``; an ``envgym serve`` at :8000, vLLM at :8001)::

        from datasets import Dataset
        from trl import GRPOConfig, GRPOTrainer
        from envgym.adapters.rows import task_rows
        from envgym.adapters.trl import environment_factory
        Env = environment_factory("http://127.0.0.1:8000", "debug/counter")
        trainer = GRPOTrainer(model="Qwen/Qwen3-0.6B", args=GRPOConfig(max_steps=10),
                              train_dataset=Dataset.from_list(task_rows("http://127.0.0.1:8000", "debug/counter")),
                              environment_factory=Env)
"""

from __future__ import annotations

import asyncio
import inspect
import re
from typing import Any, Callable

import httpx

from envgym.adapters.rows import observation_text, task_rows
from envgym.adapters.training import sample_from_rollout
from envgym.client import Client, error_from_response
from envgym.eval.rollouts import ModelEndpoint, Rollout, RolloutRequest, RolloutSummary, stream_rollouts
from envgym.protocol import Action, EpisodeStatus, GradeBatchRequest, GradeBatchResponse, Tool

__all__ = ["reward_function", "environment_factory", "rollout_func", "rollout_reward", "completion_text"]

_JSON_TYPES: dict[str, Any] = {
    "integer": int,
    "number": float,
    "string": str,
    "boolean": bool,
    "array": list,
    "object": dict,
}


def completion_text(completion: Any) -> str:
    """A TRL completion (plain text, or a conversation whose assistant messages are joined) as text."""
    if isinstance(completion, str):
        return completion
    return "".join(m.get("content") or "" for m in completion if isinstance(m, dict) and m.get("role") == "assistant")


def reward_function(
    url: str,
    env: str | None = None,
    *,
    grader: str | None = None,
    task_column: str = "task_id",
    token: str | None = None,
    concurrency: int = 32,
    timeout: float = 600.0,
    name: str | None = None,
) -> Callable[..., list[float | None]]:
    """A TRL reward function grading each completion as the answer to the task in its row's
    ``task_column`` (with ``env``'s own grading, or with ``grader`` by name), one batch request per call.

    Example:
        >>> fn = reward_function("http://127.0.0.1:8000", "debug/echo")
        >>> fn.__name__
        'envgym_debug_echo'
    """
    if env is None and grader is None:
        raise ValueError("give env (grade with the environment) or grader (a grader plugin by name)")
    headers = {"Authorization": f"Bearer {token}"} if token else {}

    def reward(prompts: list[Any], completions: list[Any], **columns: Any) -> list[float | None]:
        task_ids = columns.get(task_column)
        if task_ids is None:
            raise ValueError(
                f"the dataset has no {task_column!r} column naming each row's task (see envgym.adapters.rows.task_rows)"
            )
        requests = [
            {"env": env, "grader": grader, "task_id": task_id, "submission": {"answer": completion_text(c)}}
            for task_id, c in zip(task_ids, completions)
        ]
        body = GradeBatchRequest.model_validate({"requests": requests, "concurrency": concurrency})
        response = httpx.post(
            f"{url.rstrip('/')}/v1/grade/batch",
            content=body.model_dump_json(exclude_none=True),
            headers={"content-type": "application/json", **headers},
            timeout=timeout,
        )
        if response.status_code != 200:
            raise error_from_response(response)
        results = sorted(GradeBatchResponse.model_validate_json(response.content).results, key=lambda r: r.index)
        return [r.grade.reward if r.grade is not None and r.grade.status == "ok" else None for r in results]

    reward.__name__ = name or "envgym_" + "".join(ch if ch.isalnum() else "_" for ch in (env or grader or ""))
    return reward


def _tool_method(tool: Tool) -> Callable[..., str]:
    """A method TRL can expose as a tool: keyword parameters typed from the JSON schema, and the
    tool's and parameters' descriptions in a Google-style docstring (transformers' get_json_schema)."""
    fn = tool.function
    props: dict[str, Any] = fn.parameters.get("properties") or {}
    required = set(fn.parameters.get("required") or [])
    params = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    annotations: dict[str, Any] = {"return": str}
    lines = []
    for pname, spec in props.items():
        py = _JSON_TYPES.get(spec.get("type") if isinstance(spec.get("type"), str) else "", Any)
        annotations[pname] = py if pname in required else py | None
        default = inspect.Parameter.empty if pname in required else None
        params.append(
            inspect.Parameter(pname, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotations[pname])
        )
        desc = " ".join(str(spec.get("description") or pname).split())
        if spec.get("enum"):
            desc += f" (choices: {list(spec['enum'])})"
        lines.append(f"    {pname}: {desc}")

    def method(self: "_EnvgymToolEnv", **kwargs: Any) -> str:
        return self._call(fn.name, {k: v for k, v in kwargs.items() if v is not None})

    method.__name__ = method.__qualname__ = fn.name
    method.__signature__ = inspect.Signature(params, return_annotation=str)  # type: ignore[attr-defined]
    method.__annotations__ = annotations
    summary = " ".join((fn.description or fn.name).split())
    method.__doc__ = (
        summary
        + ("\n\nArgs:\n" + "\n".join(lines) if lines else "")
        + "\n\nReturns:\n    What the environment answers."
    )
    return method


class _EnvgymToolEnv:
    """Base of the classes ``environment_factory`` builds; one instance plays one episode at a time."""

    url: str = ""
    env: str = ""
    token: str | None = None
    task_column: str = "task_id"
    ttl_s: float | None = None
    _client: Client | None = None

    def __init__(self) -> None:
        self.session_id: str | None = None
        self.reward: float | None = None
        self.status: EpisodeStatus | None = None

    @classmethod
    def client(cls) -> Client:
        if cls._client is None:
            cls._client = Client(cls.url, token=cls.token)
        return cls._client

    def reset(self, **row: Any) -> str | None:
        self._close()
        task_id = row.get(self.task_column)
        if task_id is None:
            raise ValueError(f"the dataset row has no {self.task_column!r} column (see envgym.adapters.rows.task_rows)")
        created = self.client().create_session(self.env, task_id=str(task_id), ttl_s=self.ttl_s)
        self.session_id, self.reward, self.status = created.session_id, None, EpisodeStatus.running
        text = observation_text(created.observation.messages)
        # TRL appends what reset returns to the row's prompt; the task's own prompt is usually there already.
        return None if text == _prompt_text(row.get("prompt") or []) else "\n\n" + text

    def _call(self, name: str, arguments: dict[str, Any]) -> str:
        if self.session_id is None or self.status is not EpisodeStatus.running:
            return "The episode is over; no more tool calls are taken."
        result = self.client().step(self.session_id, Action.call(name, call_id=f"call_{name}", **arguments))
        if result.done:
            self.status = result.final_status
            self.reward = result.reward
        return observation_text(result.observation.messages) or "(no output)"

    def get_reward(self) -> float | None:
        """The episode's reward: 0.0 if it never ended (the model did not finish), None for an error status."""
        status, reward = self.status, self.reward
        self._close()
        if status is None or status is EpisodeStatus.running:
            return 0.0
        return None if status.is_error else float(reward or 0.0)

    def _close(self) -> None:
        session_id, self.session_id = self.session_id, None
        if session_id is not None:
            self.client().close_session(session_id)


def environment_factory(
    url: str, env: str, *, token: str | None = None, task_column: str = "task_id", ttl_s: float | None = 600.0
) -> type:
    """A class for ``GRPOTrainer(environment_factory=...)`` with one method per tool of ``env``.
    Sessions are created with ``ttl_s`` (TRL does not close the last ones; the server reaps them).

    Example:
        >>> # Counter = environment_factory("http://127.0.0.1:8000", "debug/counter"); Counter().increment(by=2)
    """
    with Client(url, token=token) as client:
        tools = client.environment(env).tools
    if not tools:
        raise ValueError(
            f"{env} has no tools; TRL's environment_factory needs some (use reward_function for text tasks)"
        )
    methods = {tool.function.name: _tool_method(tool) for tool in tools}
    clash = set(methods) & {"reset", "get_reward"}
    if clash:
        raise ValueError(f"{env} has tools named {sorted(clash)}, which TRL reserves")
    name = "Envgym" + "".join(part.capitalize() for part in re.split(r"[/._-]", env))
    return type(
        name,
        (_EnvgymToolEnv,),
        {
            "url": url,
            "env": env,
            "token": token,
            "task_column": task_column,
            "ttl_s": ttl_s,
            "_client": None,
            "__module__": __name__,
            **methods,
        },
    )


def rollout_reward(
    prompts: list[Any], completions: list[Any], envgym_reward: list[float | None] | None = None, **columns: Any
) -> list[float | None]:
    """The reward function to pair with ``rollout_func``: the episode rewards it returned."""
    if envgym_reward is None:
        raise ValueError("no envgym_reward column: use rollout_reward together with envgym's rollout_func")
    return list(envgym_reward)


def _prompt_text(prompt: Any) -> str:
    if isinstance(prompt, str):
        return prompt
    users = [m.get("content") for m in prompt if isinstance(m, dict) and m.get("role") == "user"]
    return users[-1] if users and isinstance(users[-1], str) else ""


def rollout_func(
    url: str,
    env: str,
    model_url: str,
    model: str,
    *,
    token: str | None = None,
    num_generations: int | None = None,
    sampling: dict[str, Any] | None = None,
    max_total_tokens: int | None = None,
    tool_parser: str | None = None,
    template_kwargs: dict[str, Any] | None = None,
    tool_role: str = "tool",
    concurrency: int = 64,
    timeout: float = 3600.0,
    endpoint: dict[str, Any] | None = None,
) -> Callable[[list[Any], Any], dict[str, Any]]:
    """TRL's ``rollout_func``: each run of equal prompts TRL passes (a task's prompt, as ``task_rows``
    makes them, repeated ``num_generations`` times by TRL's sampler) becomes one ``/v1/rollouts``
    group of that many rollouts, streamed back and turned into token-level samples (nothing
    re-tokenised); one completion per prompt passed, in order. ``num_generations`` (default: the
    trainer's) caps a group's size when equal prompts from different groups happen to be adjacent."""
    index: dict[str, str] = {}

    def task_for(prompt: Any) -> str:
        if not index:
            index.update((row["prompt"][0]["content"], row["task_id"]) for row in task_rows(url, env, token=token))
        text = _prompt_text(prompt)
        if text not in index:
            raise ValueError(
                f"no task of {env} has the prompt {text[:80]!r}; build the dataset with envgym.adapters.rows.task_rows"
            )
        return index[text]

    async def play(groups: list[tuple[Any, int]], version: int) -> list[list[Rollout]]:
        model_cfg = ModelEndpoint(
            base_url=model_url,
            name=model,
            sampling=dict(sampling or {}),
            tool_parser=tool_parser,
            template_kwargs=dict(template_kwargs or {}),
            tool_role=tool_role,
            **(endpoint or {}),
        )
        async with httpx.AsyncClient(timeout=timeout) as client:

            async def group(prompt: Any, n: int) -> list[Rollout]:
                request = RolloutRequest(
                    env=env,
                    task_id=task_for(prompt),
                    n=n,
                    model=model_cfg,
                    concurrency=min(n, concurrency),
                    max_total_tokens=max_total_tokens,
                    policy_version=version,
                )
                slots: list[Rollout | None] = [None] * n
                async for item in stream_rollouts(url, request, token=token, client=client):
                    if not isinstance(item, RolloutSummary):
                        slots[item.index] = item
                return [
                    r
                    if r is not None
                    else Rollout(
                        index=i,
                        status=EpisodeStatus.env_error,
                        error={"code": "missing", "message": "the stream ended without it"},
                    )
                    for i, r in enumerate(slots)
                ]

            return list(await asyncio.gather(*(group(p, n) for p, n in groups)))

    def run(prompts: list[Any], trainer: Any) -> dict[str, Any]:
        # TRL's sampler repeats each prompt num_generations times in a row, and wants one completion
        # per prompt it passes: each run of equal prompts is one group of rollouts of that size.
        cap = num_generations or getattr(getattr(trainer, "args", None), "num_generations", None) or len(prompts)
        groups: list[tuple[Any, int]] = []
        for prompt in prompts:
            if groups and groups[-1][0] == prompt and groups[-1][1] < cap:
                groups[-1] = (prompt, groups[-1][1] + 1)
            else:
                groups.append((prompt, 1))
        version = int(getattr(getattr(trainer, "state", None), "global_step", 0) or 0)
        played = asyncio.run(play(groups, version))
        eos = getattr(getattr(trainer, "processing_class", None), "eos_token_id", None)
        pad = eos if eos is not None else 0
        columns = ("prompt_ids", "completion_ids", "logprobs", "env_mask", "envgym_reward", "envgym_status")
        out: dict[str, list[Any]] = {column: [] for column in columns}
        for rollouts in played:
            for rollout in rollouts:
                if not rollout.status.is_error and rollout.token_turns:
                    sample = sample_from_rollout(rollout)
                    cut = sample.prompt_length
                    out["prompt_ids"].append(sample.token_ids[:cut])
                    out["completion_ids"].append(sample.completion_ids)
                    out["logprobs"].append((sample.logprobs or [0.0] * len(sample.token_ids))[cut:])
                    out["env_mask"].append(sample.completion_mask)
                    out["envgym_reward"].append(sample.reward)
                else:  # keep the slot: an empty, fully masked completion with no reward
                    first = rollout.token_turns[0].prompt_token_ids if rollout.token_turns else None
                    out["prompt_ids"].append(list(first) if first else [pad])
                    out["completion_ids"].append([pad])
                    out["logprobs"].append([0.0])
                    out["env_mask"].append([0])
                    out["envgym_reward"].append(None)
                out["envgym_status"].append(rollout.status.value)
        return out

    return run
