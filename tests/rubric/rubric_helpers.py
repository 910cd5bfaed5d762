"""Helpers shared by the rubric tests (imported as a plain module: test directories have no __init__)."""

from __future__ import annotations

from typing import Any

from envgym.kernel.context import EnvContext
from envgym.protocol import Task


def judge_config(base_url: str, **overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "judges": [{"base_url": base_url, "model": "test-judge"}],
        "attempts": 3,
        "backoff_s": 0.01,
        "timeout_s": 10,
    }
    config.update(overrides)
    return config


def context_for(base_url: str | None, **settings: Any) -> EnvContext:
    values = {"rubric.judge_base_url": base_url, "rubric.judge_model": "test-judge", "rubric.judge_backoff_s": 0.01}
    values.update(settings)
    return EnvContext(sandbox="process", settings={k: v for k, v in values.items() if v is not None})


def rubric_task(
    criteria: list[dict[str, Any]], prompt: str = "Explain how DNS resolution works.", **rubric: Any
) -> Task:
    return Task(id="t1", suite="unit", prompt=prompt, private={"rubric": {"criteria": criteria, **rubric}})


LLM_CACHE = {
    "id": "cache",
    "kind": "llm",
    "description": "Mentions that resolvers cache answers.",
    "terms": ["cache"],
    "weight": 2,
}
LLM_ROOT = {
    "id": "root",
    "kind": "llm",
    "description": "Mentions the root servers.",
    "terms": ["root server"],
    "weight": 1,
}
GOOD_ANSWER = "A resolver asks a root server, then the TLD servers, then the authoritative server, and caches the answer for its TTL."
