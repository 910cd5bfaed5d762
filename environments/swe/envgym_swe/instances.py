"""SWE-bench-format instance files as users have them: JSON Lines, JSON or Parquet rows in the
schema of SWE-bench (and of SWE-Gym, which uses it unchanged) or of SWE-smith.

Each row becomes one ``SweInstance`` or one ``Skipped`` record naming the file, the row and the
reason; a malformed row never stops the others from loading.

Forms that are recognised:

* **SWE-bench / SWE-Gym**: ``instance_id, repo, base_commit, problem_statement, patch, test_patch,
  FAIL_TO_PASS, PASS_TO_PASS, version, environment_setup_commit``. The test lists are JSON-encoded
  strings (as in the Hugging Face datasets) or real lists. Datasets made for swebench >= 5 also
  carry ``image``, ``eval_script``, ``log_parser`` and ``eval_type``.
* **SWE-smith**: ``instance_id, repo, patch, FAIL_TO_PASS, PASS_TO_PASS, image_name,
  problem_statement`` and no ``base_commit``: the image holds the clean repository and ``patch``
  is the change that *introduces* the bug (the reference fix is its reverse).

envgym's own optional fields (any form): ``test_cmd`` (the command that runs the tests, when there
is no ``eval_script``), ``log_parser`` (a name from swebench's parser registry), ``workdir``
(default ``/testbed``), ``image`` (explicit image reference), ``protect`` (paths reverted to the
base commit before the tests run, e.g. the Makefile that drives them).

Example:
    >>> rows = [{"instance_id": "a__b-1", "repo": "a/b", "base_commit": "0" * 40, "problem_statement": "fix it",
    ...          "patch": "", "test_patch": "", "FAIL_TO_PASS": '["t1"]', "PASS_TO_PASS": "[]",
    ...          "test_cmd": "pytest -rA", "log_parser": "parse_log_pytest"}, {"instance_id": "broken"}]
    >>> loaded = parse_rows(rows, source="demo.jsonl")
    >>> [i.instance_id for i in loaded.instances], loaded.skipped[0].reason[:45]
    (['a__b-1'], 'missing field(s): repo, problem_statement, FA')
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Literal

from pydantic import BaseModel, ConfigDict

INSTANCE_SUFFIXES = (".jsonl", ".json", ".parquet")
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+\-]{0,199}$")
COMMIT_RE = re.compile(r"^[0-9a-fA-F]{7,64}$")
MAX_FILE_BYTES = 2 * 1024**3
DEFAULT_WORKDIR = "/testbed"


class SweInstance(BaseModel):
    """One normalised instance. ``form`` says how the start state and the reference fix are made."""

    model_config = ConfigDict(frozen=True)
    instance_id: str
    repo: str
    form: Literal["swebench", "swesmith"]
    base_commit: str | None  # None for SWE-smith: the bug patch is committed at reset
    problem_statement: str
    patch: str  # the reference fix (swebench) or the bug (swesmith)
    test_patch: str = ""
    fail_to_pass: list[str]
    pass_to_pass: list[str]
    version: str | None = None
    environment_setup_commit: str | None = None
    image: str | None = None  # as the file names it; None: derived from the naming convention
    eval_script: str | None = None
    log_parser: str | None = None
    test_cmd: str | None = None
    workdir: str = DEFAULT_WORKDIR
    protect: list[str] = []  # envgym's: more paths reverted before the tests (e.g. a Makefile)
    source: str = ""  # file and row, for messages


@dataclass
class Skipped:
    """A row that did not load, and why (shown by ``envgym list``/``check`` and in the docs)."""

    source: str
    instance_id: str | None
    reason: str

    def __str__(self) -> str:
        return f"{self.source}: {self.instance_id or '(no instance_id)'}: {self.reason}"


@dataclass
class Loaded:
    instances: list[SweInstance] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    def extend(self, other: "Loaded") -> None:
        self.instances += other.instances
        self.skipped += other.skipped


class InstanceError(ValueError):
    """A row that cannot become an instance; the message says what to fix."""


def _test_list(row: dict[str, Any], key: str) -> list[str]:
    value = row.get(key)
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else []
        except json.JSONDecodeError as exc:
            raise InstanceError(f"{key} is a string but not a JSON list ({exc.msg})") from None
    if hasattr(value, "tolist"):  # a numpy array, as pandas hands Parquet list columns over
        value = value.tolist()
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise InstanceError(f"{key} must be a list of test names (or a JSON-encoded one), not {type(value).__name__}")
    return list(value)


def _opt_str(row: dict[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = row.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise InstanceError(f"{key} must be a string, not {type(value).__name__}")
        return str(value)
    return None


def parse_row(row: Any, source: str) -> SweInstance:
    """One row of an instance file → ``SweInstance``; raises ``InstanceError`` with the reason."""
    if not isinstance(row, dict):
        raise InstanceError(f"a row must be a JSON object, not {type(row).__name__}")
    smith = not row.get("base_commit") and bool(row.get("image_name"))
    required = ["instance_id", "repo", "problem_statement", "FAIL_TO_PASS", "PASS_TO_PASS", "patch"]
    required += [] if smith else ["base_commit"]
    missing = [
        k
        for k in required
        if row.get(k) is None or (isinstance(row.get(k), str) and k != "patch" and not row[k].strip())
    ]
    if missing:
        hint = "" if "base_commit" not in missing else " (a SWE-smith row has image_name instead of base_commit)"
        raise InstanceError(f"missing field(s): {', '.join(missing)}{hint}")
    instance_id = str(row["instance_id"])
    if not ID_RE.match(instance_id):
        raise InstanceError(f"instance_id {instance_id[:80]!r} has characters other than letters, digits and _ . + -")
    base = _opt_str(row, "base_commit")
    if base is not None and not COMMIT_RE.match(base):
        raise InstanceError(f"base_commit {base[:60]!r} is not a commit hash")
    for key in ("patch", "test_patch", "problem_statement", "repo"):
        if row.get(key) is not None and not isinstance(row[key], str):
            raise InstanceError(f"{key} must be a string, not {type(row[key]).__name__}")
    f2p, p2p = _test_list(row, "FAIL_TO_PASS"), _test_list(row, "PASS_TO_PASS")
    if not f2p:
        raise InstanceError(
            "FAIL_TO_PASS is empty: with no test that the fix turns from failing to passing, "
            "doing nothing would be graded as a solution"
        )
    eval_type = _opt_str(row, "eval_type")
    if eval_type not in (None, "pass_and_fail"):
        raise InstanceError(
            f"eval_type {eval_type!r}: its log parser records only failures, so a test missing from "
            "the log would count as passed; envgym grades a test as passed only on positive evidence"
        )
    if smith and not row.get("patch", "").strip():
        raise InstanceError(
            "a SWE-smith row needs its bug patch in `patch` (the start state is the image plus that patch)"
        )
    workdir = _opt_str(row, "workdir") or DEFAULT_WORKDIR
    if not workdir.startswith("/") or ".." in workdir.split("/"):
        raise InstanceError(f"workdir {workdir!r} must be an absolute path")
    protect = _test_list(row, "protect") if row.get("protect") is not None else []
    return SweInstance(
        instance_id=instance_id,
        repo=str(row["repo"]),
        form="swesmith" if smith else "swebench",
        base_commit=base,
        problem_statement=row["problem_statement"],
        patch=row.get("patch") or "",
        test_patch=row.get("test_patch") or "",
        fail_to_pass=f2p,
        pass_to_pass=p2p,
        version=_opt_str(row, "version"),
        environment_setup_commit=_opt_str(row, "environment_setup_commit"),
        image=_opt_str(row, "image", "image_name", "docker_image"),
        eval_script=_opt_str(row, "eval_script"),
        log_parser=_opt_str(row, "log_parser"),
        test_cmd=_opt_str(row, "test_cmd"),
        workdir=workdir,
        protect=protect,
        source=source,
    )


def parse_rows(rows: Iterable[Any], source: str) -> Loaded:
    """Rows → instances and skipped rows (duplicates of an earlier id are skipped too)."""
    return _parse_labelled(((f"{source} row {n}", row) for n, row in enumerate(rows, 1)))


def _parse_labelled(rows: Iterable[tuple[str, Any]]) -> Loaded:
    out = Loaded()
    seen: set[str] = set()
    for where, row in rows:
        rid = row.get("instance_id") if isinstance(row, dict) and isinstance(row.get("instance_id"), str) else None
        try:
            inst = parse_row(row, where)
        except InstanceError as exc:
            out.skipped.append(Skipped(where, rid, str(exc)))
            continue
        if inst.instance_id in seen:
            out.skipped.append(Skipped(where, rid, "instance_id appears again (the first one is kept)"))
            continue
        seen.add(inst.instance_id)
        out.instances.append(inst)
    return out


def _load_jsonl(path: Path) -> Loaded:
    rows: list[tuple[str, Any]] = []
    bad: list[Skipped] = []
    with path.open("r", encoding="utf-8", errors="replace") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rows.append((f"{path} line {n}", json.loads(line)))
            except json.JSONDecodeError as exc:
                bad.append(Skipped(f"{path} line {n}", None, f"not valid JSON: {exc.msg} at column {exc.colno}"))
    loaded = _parse_labelled(rows)
    loaded.skipped = bad + loaded.skipped
    return loaded


def _rows_parquet(path: Path) -> list[Any]:
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pylist()


def load_file(path: Path) -> Loaded:
    """Every instance of one file; a file that cannot be read at all is one skipped entry."""
    source = str(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return Loaded(skipped=[Skipped(source, None, f"the file is larger than {MAX_FILE_BYTES >> 30} GiB")])
        if path.suffix == ".parquet":
            return parse_rows(_rows_parquet(path), source)
        if path.suffix == ".json":
            data = json.loads(path.read_text(encoding="utf-8"))
            # A list of rows, one row, or {instance_id: row} (as SWE-agent writes predictions).
            if isinstance(data, dict):
                data = [data] if "instance_id" in data else list(data.values())
            return parse_rows(data if isinstance(data, list) else [data], source)
        return _load_jsonl(path)
    except Exception as exc:  # noqa: BLE001 — OSError, JSON errors, and pyarrow's own types for a damaged file
        return Loaded(skipped=[Skipped(source, None, f"cannot be read: {type(exc).__name__}: {exc}")])


def instance_files(path: Path) -> list[Path]:
    """``path`` itself, or the instance files directly inside a directory (sorted)."""
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file() and p.suffix in INSTANCE_SUFFIXES)
    return [path]


def load_path(path: str | Path) -> Loaded:
    """Every instance under ``path`` (a file or a directory of files); ids must be unique across files."""
    root = Path(path).expanduser()
    if not root.exists():
        return Loaded(skipped=[Skipped(str(root), None, "no such file or directory")])
    out = Loaded()
    seen: set[str] = set()
    for file in instance_files(root):
        part = load_file(file)
        for inst in part.instances:
            if inst.instance_id in seen:
                out.skipped.append(
                    Skipped(inst.source, inst.instance_id, "instance_id appears again (the first one is kept)")
                )
            else:
                seen.add(inst.instance_id)
                out.instances.append(inst)
        out.skipped += part.skipped
    if not out.instances and not out.skipped:
        out.skipped.append(Skipped(str(root), None, f"no instance files ({', '.join(INSTANCE_SUFFIXES)}) found"))
    return out
