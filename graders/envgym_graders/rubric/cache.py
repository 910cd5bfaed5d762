"""Exact-match cache of judge verdicts: in memory, optionally backed by a sqlite file.

The key is a SHA-256 over (judge model, template version, criterion — its description and key
terms together with the task prompt the judge sees —, answer, sample index). Only successful,
parsed verdicts are stored; failures are never cached, so a judge that was down is asked again.
The sqlite file survives processes, so re-grading an eval run costs no judge calls.

Example:
    >>> cache = JudgeCache()
    >>> key = cache_key("m", "v1", "task", "criterion", [], "answer", 0)
    >>> cache.put(key, True, "because")
    >>> cache.get(key)
    (True, 'because')
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from pathlib import Path


def cache_key(
    model: str, template_version: str, task_prompt: str, description: str, terms: list[str], answer: str, sample: int
) -> str:
    payload = json.dumps(
        [model, template_version, task_prompt, description, list(terms), answer, sample],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


class JudgeCache:
    """Thread-safe verdict cache; ``path`` adds a sqlite file that is read through and written through."""

    def __init__(self, path: str | Path | None = None) -> None:
        self._memory: dict[str, tuple[bool, str]] = {}
        self._lock = threading.Lock()
        self.path = Path(path) if path else None
        self._db: sqlite3.Connection | None = None
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS verdicts (key TEXT PRIMARY KEY, met INTEGER NOT NULL, reasoning TEXT NOT NULL)"
            )

    def get(self, key: str) -> tuple[bool, str] | None:
        with self._lock:
            hit = self._memory.get(key)
            if hit is not None or self._db is None:
                return hit
            row = self._db.execute("SELECT met, reasoning FROM verdicts WHERE key = ?", (key,)).fetchone()
            if row is None:
                return None
            hit = (bool(row[0]), str(row[1]))
            self._memory[key] = hit
            return hit

    def put(self, key: str, met: bool, reasoning: str) -> None:
        with self._lock:
            self._memory[key] = (met, reasoning)
            if self._db is not None:
                self._db.execute(
                    "INSERT OR REPLACE INTO verdicts (key, met, reasoning) VALUES (?, ?, ?)", (key, int(met), reasoning)
                )

    def __len__(self) -> int:
        with self._lock:
            return len(self._memory)

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None
