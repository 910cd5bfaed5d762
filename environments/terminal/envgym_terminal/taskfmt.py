"""Reading one Harbor-layout task directory (the format Terminal-Bench 2 uses) into a checked model.

A task directory holds ``instruction.md``, ``task.toml``, ``environment/`` (``files/`` copied into
the working directory and ``setup.sh`` run there; a ``Dockerfile`` is kept for the Docker
provider), ``tests/test.sh`` and ``solution/solve.sh``. Anything of Harbor's format this loader does
not implement raises ``UnsupportedTaskFeature`` naming the file and the field, so a task is never
half-run; a malformed file raises ``TaskFormatError``. The supported subset is listed in
docs/terminal.md.

Example:
    >>> from envgym_terminal.suites import TASKS_ROOT
    >>> spec = load_task_dir(TASKS_ROOT / "core" / "count-errors")
    >>> spec.config.verifier.timeout_sec, spec.task_id
    (60.0, 'count-errors')
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from envgym.errors import InvalidRequest

TASK_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
MAX_BUNDLE_BYTES = 32 * 1024 * 1024  # a task's files travel inside its Task record; keep them modest


class TaskFormatError(InvalidRequest):
    """A task directory that is malformed (missing file, bad TOML, wrong field type)."""

    code = "invalid_task"


class UnsupportedTaskFeature(TaskFormatError):
    """A task that uses a part of Harbor's format envgym does not implement (see docs/terminal.md)."""

    code = "unsupported_task_feature"


def _error(cls: type[TaskFormatError], path: Path, field_name: str | None, message: str) -> TaskFormatError:
    where = f"{path}" + (f", field {field_name!r}" if field_name else "")
    return cls(f"{where}: {message}", details={"file": str(path), "field": field_name})


# --------------------------------------------------------------------------- task.toml


class _Section(BaseModel):
    # Unknown keys are rejected: a key we do not know may change how the task must run.
    model_config = ConfigDict(extra="forbid")


class VerifierConfig(_Section):
    timeout_sec: float = Field(120.0, gt=0, le=3600)
    env: dict[str, str] = Field(default_factory=dict)
    user: str | None = None


class AgentConfig(_Section):
    timeout_sec: float = Field(600.0, gt=0, le=24 * 3600)
    user: str | None = None
    # envgym extensions (Harbor ignores keys it does not know):
    max_turns: int = Field(50, ge=1, le=10_000, description="turn limit of an episode")
    command_timeout_sec: float = Field(60.0, gt=0, le=3600, description="limit on one bash call")


class SolutionConfig(_Section):
    env: dict[str, str] = Field(default_factory=dict)


class EnvironmentConfig(_Section):
    build_timeout_sec: float = Field(120.0, gt=0, le=3600, description="limit on setup.sh (Harbor: image build)")
    docker_image: str | None = None
    os: Literal["linux", "windows"] = "linux"
    cpus: float | None = Field(None, gt=0)
    memory_mb: int | None = Field(None, ge=64)
    memory: str | None = None          # deprecated Harbor spelling, e.g. "2G"
    storage_mb: int | None = Field(None, ge=16)
    storage: str | None = None         # deprecated Harbor spelling
    gpus: int = Field(0, ge=0)
    gpu_types: list[str] | None = None
    tpus: Any = None
    allow_internet: bool | None = None
    mcp_servers: Any = None
    skills_dir: Any = None
    healthcheck: Any = None
    env: dict[str, str] = Field(default_factory=dict)


class TaskSection(_Section):
    name: str | None = None
    description: str | None = None
    authors: list[dict[str, Any]] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)


class TaskConfig(_Section):
    """One ``task.toml``. Field names are Harbor's; ``[metadata]`` is free-form."""

    version: str | None = None
    schema_version: str | None = None
    source: str | None = None
    task: TaskSection = Field(default_factory=TaskSection)
    metadata: dict[str, Any] = Field(default_factory=dict)
    verifier: VerifierConfig = Field(default_factory=VerifierConfig)
    agent: AgentConfig = Field(default_factory=AgentConfig)
    environment: EnvironmentConfig = Field(default_factory=EnvironmentConfig)
    solution: SolutionConfig = Field(default_factory=SolutionConfig)
    steps: Any = None

    @field_validator("version", "schema_version", mode="before")
    @classmethod
    def _version_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, (int, float)) else value


_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?\s*$", re.IGNORECASE)


def _size_mb(text: str) -> int:
    match = _SIZE_RE.match(text)
    if not match:
        raise ValueError(f"cannot read {text!r} as a size (e.g. '2G' or '512M')")
    factor = {"": 1 / (1024 * 1024), "K": 1 / 1024, "M": 1, "G": 1024, "T": 1024 * 1024}[match.group(2).upper()]
    return max(1, math.ceil(float(match.group(1)) * factor))


# --------------------------------------------------------------------------- the directory


@dataclass
class TaskDirSpec:
    """A checked task directory: its config plus where each part lives."""

    root: Path
    task_id: str
    instruction: str
    config: TaskConfig
    workdir: str
    memory_mb: int | None
    storage_mb: int | None
    has_setup: bool
    dockerfile: str | None
    tests_dir: Path
    solution_dir: Path | None
    ignored: list[str] = field(default_factory=list)

    @property
    def needs_image(self) -> bool:
        """True when the starting state is only described as a Docker image (no setup script)."""
        return (self.dockerfile is not None or self.config.environment.docker_image is not None) and not self.has_setup


_WORKDIR_RE = re.compile(r"^\s*WORKDIR\s+(\S+)\s*$", re.IGNORECASE | re.MULTILINE)


def dockerfile_workdir(text: str) -> str | None:
    """The last absolute ``WORKDIR`` of a Dockerfile (where Harbor's agent starts), if any."""
    found = [w.strip("\"'") for w in _WORKDIR_RE.findall(text)]
    found = [w for w in found if w.startswith("/") and "$" not in w]
    return found[-1] if found else None


def _parse_toml(path: Path) -> TaskConfig:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _error(TaskFormatError, path, None, "missing; every task needs a task.toml") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise _error(TaskFormatError, path, None, f"not valid TOML: {exc}") from None
    try:
        return TaskConfig.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        if first["type"] == "extra_forbidden":
            raise _error(UnsupportedTaskFeature, path, loc,
                         "is not a task.toml key envgym knows; it is rejected rather than ignored because it may "
                         "change how the task must run (see docs/terminal.md for the supported keys)") from None
        raise _error(TaskFormatError, path, loc, first["msg"]) from None


def _check_supported(cfg: TaskConfig, toml_path: Path) -> None:
    env = cfg.environment
    unsupported: list[tuple[str, bool, str]] = [
        ("steps", cfg.steps is not None, "multi-step tasks are not supported"),
        ("environment.os", env.os != "linux", "only Linux tasks are supported"),
        ("environment.gpus", env.gpus > 0, "GPUs are not available in envgym sandboxes"),
        ("environment.gpu_types", bool(env.gpu_types), "GPUs are not available in envgym sandboxes"),
        ("environment.tpus", bool(env.tpus), "TPUs are not available in envgym sandboxes"),
        ("environment.mcp_servers", bool(env.mcp_servers), "MCP servers are not supported"),
        ("environment.skills_dir", env.skills_dir is not None, "agent skills directories are not supported"),
        ("environment.healthcheck", env.healthcheck is not None, "healthchecks (long-running services) are not supported"),
        ("agent.user", cfg.agent.user not in (None, ""), "running the agent as a named OS user is not supported"),
        ("verifier.user", cfg.verifier.user not in (None, ""), "running the verifier as a named OS user is not supported"),
    ]
    for name, bad, why in unsupported:
        if bad:
            raise _error(UnsupportedTaskFeature, toml_path, name, why)


def load_task_dir(root: str | Path) -> TaskDirSpec:
    """Check one task directory; raises ``TaskFormatError`` / ``UnsupportedTaskFeature``."""
    root = Path(root)
    if not root.is_dir():
        raise _error(TaskFormatError, root, None, "not a directory")
    task_id = root.name
    if not TASK_ID_RE.match(task_id):
        raise _error(TaskFormatError, root, None,
                     "the directory name is the task id and must be letters, digits, '.', '_' or '-' (at most 128)")
    toml_path = root / "task.toml"
    cfg = _parse_toml(toml_path)
    _check_supported(cfg, toml_path)

    if (root / "steps").exists():
        raise _error(UnsupportedTaskFeature, root / "steps", None, "multi-step tasks are not supported")
    instruction_path = root / "instruction.md"
    try:
        instruction = instruction_path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise _error(TaskFormatError, instruction_path, None, "missing; every task needs an instruction.md") from None
    if not instruction:
        raise _error(TaskFormatError, instruction_path, None, "is empty")

    env_dir = root / "environment"
    for compose in ("docker-compose.yaml", "docker-compose.yml", "compose.yaml", "compose.yml"):
        if (env_dir / compose).exists():
            raise _error(UnsupportedTaskFeature, env_dir / compose, None, "multi-container (Compose) environments are not supported")
    dockerfile = (env_dir / "Dockerfile").read_text(encoding="utf-8") if (env_dir / "Dockerfile").is_file() else None
    has_setup = (env_dir / "setup.sh").is_file()

    tests_dir = root / "tests"
    if not (tests_dir / "test.sh").is_file():
        if (tests_dir / "test.bat").is_file():
            raise _error(UnsupportedTaskFeature, tests_dir / "test.bat", None, "Windows verifiers are not supported")
        raise _error(TaskFormatError, tests_dir / "test.sh", None, "missing; the verifier entry point is tests/test.sh")
    solution_dir = root / "solution" if (root / "solution" / "solve.sh").is_file() else None

    memory_mb, storage_mb = cfg.environment.memory_mb, cfg.environment.storage_mb
    try:
        if memory_mb is None and cfg.environment.memory:
            memory_mb = _size_mb(cfg.environment.memory)
        if storage_mb is None and cfg.environment.storage:
            storage_mb = _size_mb(cfg.environment.storage)
    except ValueError as exc:
        raise _error(TaskFormatError, toml_path, "environment.memory/storage", str(exc)) from None

    workdir = (dockerfile_workdir(dockerfile) if dockerfile else None) or "/app"
    ignored = ["environment.cpus"] if cfg.environment.cpus is not None else []
    return TaskDirSpec(root=root, task_id=task_id, instruction=instruction, config=cfg, workdir=workdir,
                       memory_mb=memory_mb, storage_mb=storage_mb, has_setup=has_setup, dockerfile=dockerfile,
                       tests_dir=tests_dir, solution_dir=solution_dir, ignored=ignored)


def find_task_dirs(root: str | Path) -> list[Path]:
    """Task directories under ``root``: ``root`` itself if it holds a task.toml, else its children that do."""
    root = Path(root)
    if (root / "task.toml").is_file():
        return [root]
    if not root.is_dir():
        raise TaskFormatError(f"{root}: not a directory of tasks", details={"file": str(root), "field": None})
    return sorted(p for p in root.iterdir() if p.is_dir() and (p / "task.toml").is_file())
