"""An environment's tasks as dataset rows, and an observation as one text: what every trainer
adapter (``envgym.adapters.trl``, ``verl``, ``skyrl``, ``openrlhf``, ``verifiers``) reads.

Example:
    >>> from envgym.adapters.rows import task_rows
    >>> # rows = task_rows("http://127.0.0.1:8000", "debug/counter")   # [{"prompt": [...], "task_id": ...}, ...]
"""

from __future__ import annotations

from typing import Any

from envgym.client import Client

__all__ = ["task_rows", "observation_text"]


def task_rows(
    url: str, env: str, *, split: str | None = None, limit: int | None = None, token: str | None = None, repeat: int = 1
) -> list[dict[str, Any]]:
    """One dataset row per public task of ``env``: ``prompt`` (a one-message conversation with the
    task's prompt), ``task_id`` and ``env`` — the columns the adapters read."""
    rows: list[dict[str, Any]] = []
    with Client(url, token=token) as client:
        offset = 0
        while True:
            page = client.tasks(env, offset=offset, limit=1000, split=split)
            rows += [
                {"prompt": [{"role": "user", "content": t.prompt}], "task_id": t.id, "env": env} for t in page.tasks
            ]
            offset += len(page.tasks)
            if not page.tasks or offset >= page.total or (limit is not None and len(rows) >= limit):
                break
    return [row for row in rows[:limit] for _ in range(repeat)]


def observation_text(messages: list[Any]) -> str:
    """An observation's messages as one text (what a text-only trainer shows the model)."""
    parts = []
    for m in messages:
        content = m.content if hasattr(m, "content") else m.get("content")
        if isinstance(content, list):
            content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
        if content:
            parts.append(str(content))
    return "\n\n".join(parts)
