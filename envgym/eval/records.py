"""The run directory: ``episodes.jsonl`` (one ``EpisodeRecord`` per line), ``run.json`` (what was
run, with which versions) and ``summary.json``.

Records are appended one line at a time with a single write and a flush, so a run killed at any
moment (even SIGKILL) leaves every finished episode on disk and at most one partial last line.
Reading ignores such a line, and opening the store for appending cuts it off first so the next
record starts on a clean line. When a key (env, task_id, sample) appears more than once (an
episode re-run by ``--retry-errors``), the last line wins.

Example:
    >>> import tempfile
    >>> store = RecordStore(tempfile.mkdtemp())
    >>> store.load()
    []
"""

from __future__ import annotations

import json
import mmap
import os
import threading
from pathlib import Path
from typing import Any, Iterable

from envgym.agents.loop import EpisodeRecord
from envgym.protocol.errors import InvalidRequest

EPISODES_FILE = "episodes.jsonl"
RUN_FILE = "run.json"
SUMMARY_FILE = "summary.json"


class RecordStore:
    """The episode records of one run directory."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.dir = Path(directory)
        self.path = self.dir / EPISODES_FILE
        self._file: Any = None
        self._lock_file: Any = None
        self._lock = threading.Lock()
        self.skipped_lines = 0

    # ------------------------------------------------------------------ reading
    def iter_all(self) -> Iterable[EpisodeRecord]:
        """Every complete record in file order (superseded ones included)."""
        self.skipped_lines = 0
        if not self.path.exists():
            return
        with open(self.path, "rb") as f:
            for raw in f:
                if not raw.endswith(b"\n"):
                    self.skipped_lines += 1  # the partial last line of a killed run
                    continue
                line = raw.strip()
                if not line:
                    continue
                try:
                    yield EpisodeRecord.model_validate_json(line)
                except ValueError:
                    self.skipped_lines += 1

    def load(self) -> list[EpisodeRecord]:
        """The current record of each episode (the last line per key), in first-seen order."""
        return list({record.key: record for record in self.iter_all()}.values())

    # ------------------------------------------------------------------ writing
    def _repair_tail(self) -> None:
        """Cut a partial last line left by a killed writer, so appends start on a fresh line."""
        if not self.path.exists():
            return
        with open(self.path, "rb+") as f:
            size = os.fstat(f.fileno()).st_size
            if size == 0:
                return
            # mmap's rfind scans back from the end, so a big file is not read to find its last line.
            with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
                clean_end = data.rfind(b"\n") + 1  # 0 when no line is complete
            if clean_end != size:
                f.truncate(clean_end)

    def open(self) -> "RecordStore":
        """Open for appending. One writer per directory: a second one gets ``InvalidRequest``."""
        import fcntl

        self.dir.mkdir(parents=True, exist_ok=True)
        lock = open(self.dir / ".lock", "w")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock.close()
            raise InvalidRequest(
                f"another process is writing episodes to {self.dir}; wait for it or use another --out",
                details={"dir": str(self.dir)},
            ) from None
        self._lock_file = lock
        self._repair_tail()
        self._file = open(self.path, "a", encoding="utf-8")
        return self

    def append(self, record: EpisodeRecord) -> None:
        line = record.model_dump_json() + "\n"
        with self._lock:
            if self._file is None:
                self.open()
            self._file.write(line)
            self._file.flush()

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None
            if self._lock_file is not None:
                self._lock_file.close()  # releases the flock
                self._lock_file = None


def write_json(path: str | os.PathLike[str], data: Any) -> None:
    """Write JSON atomically (temp file + rename), so a reader never sees half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def read_json(path: str | os.PathLike[str]) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def load_run(directory: str | os.PathLike[str]) -> tuple[dict[str, Any], list[EpisodeRecord]]:
    """``(run manifest, current records)`` of a run directory; the manifest is ``{}`` if missing."""
    directory = Path(directory)
    if not (directory / EPISODES_FILE).exists():
        raise InvalidRequest(
            f"{directory} is not an eval run directory (no {EPISODES_FILE})", details={"dir": str(directory)}
        )
    manifest = read_json(directory / RUN_FILE) if (directory / RUN_FILE).exists() else {}
    return manifest, RecordStore(directory).load()
