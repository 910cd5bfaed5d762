"""Reading one Harbor task directory (the format Terminal-Bench 2 uses) into a checked spec.

A task directory holds ``task.toml`` (``harbor_config.TaskConfig``), ``instruction.md`` (or, for a
multi-step task, ``steps/<name>/instruction.md`` per ``[[steps]]`` entry), ``environment/`` (a
``Dockerfile``, a ``docker-compose.yaml``, files for a prebuilt ``docker_image``, or envgym's
``files/`` + ``setup.sh``), ``tests/test.sh`` and ``solution/solve.sh``. Every key Harbor accepts
loads; a key that means nothing here is reported with one warning line per key and process
(``logging``, logger ``envgym.terminal``). A malformed directory raises ``TaskFormatError`` naming
the file and the field; whether a task can run on this host is decided later, per task
(``runnable.why_not``), so one broken task never stops the rest of its directory.

Example:
    >>> from envgym_terminal.suites import TASKS_ROOT
    >>> spec = load_task_dir(TASKS_ROOT / "core" / "count-errors")
    >>> spec.config.verifier.timeout_sec, spec.task_id, spec.style
    (60.0, 'count-errors', 'files')
"""

from __future__ import annotations

import logging
import re
import threading
import tomllib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Literal

from pydantic import ValidationError

from envgym.protocol.errors import InvalidRequest
from envgym_terminal.harbor_config import StepConfig, TaskConfig, unknown_keys
from envgym_terminal.templating import MissingVariable, resolve_env

TASK_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
MAX_BUNDLE_BYTES = 32 * 1024 * 1024  # a task's tests/solution travel inside its Task record; keep them modest
COMPOSE_FILE = "docker-compose.yaml"  # the one name Harbor reads
Style = Literal["files", "dockerfile", "image", "compose"]
log = logging.getLogger("envgym.terminal")


class TaskFormatError(InvalidRequest):
    """A task directory that is malformed (missing file, bad TOML, wrong field type)."""

    code = "invalid_task"


class UnsupportedTaskFeature(TaskFormatError):
    """A task this host or sandbox provider cannot run (the message says why and what would)."""

    code = "unsupported_task_feature"


def _error(cls: type[TaskFormatError], path: Path, field_name: str | None, message: str) -> TaskFormatError:
    where = f"{path}" + (f", field {field_name!r}" if field_name else "")
    return cls(f"{where}: {message}", details={"file": str(path), "field": field_name})


# --------------------------------------------------------------------------- warnings, once per key

_warned: set[str] = set()
_warn_lock = threading.Lock()


def warn_once(key: str, message: str) -> None:
    """Log ``message`` the first time ``key`` is reported in this process (one line per key)."""
    with _warn_lock:
        if key in _warned:
            return
        _warned.add(key)
    log.warning("%s", message)


# --------------------------------------------------------------------------- the spec


@dataclass
class StepSpec:
    """One ``[[steps]]`` entry with its directory ``steps/<name>/``."""

    name: str
    instruction: str
    config: StepConfig
    tests_dir: Path | None  # steps/<name>/tests (laid over the task's tests/)
    solution_dir: Path | None  # steps/<name>/solution with a solve.sh, else the task's solution/
    workdir_dir: Path | None  # steps/<name>/workdir: copied into the working directory before the step


@dataclass
class TaskDirSpec:
    """A checked task directory: its config plus where each part lives."""

    root: Path
    task_id: str
    instruction: str
    config: TaskConfig
    style: Style  # how the starting state is made (see ``_style``)
    workdir: str | None  # [environment] workdir, else the Dockerfile's last WORKDIR; None: the image's own
    has_setup: bool  # environment/setup.sh (envgym's way to build a state without Docker)
    dockerfile: str | None
    tests_dir: Path
    solution_dir: Path | None
    steps: list[StepSpec] = field(default_factory=list)
    environment_env: dict[str, str] = field(default_factory=dict)  # templates resolved
    verifier_env: dict[str, str] = field(default_factory=dict)
    solution_env: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)  # keys with no effect here

    @property
    def environment_dir(self) -> Path:
        return self.root / "environment"

    @property
    def needs_image(self) -> bool:
        """True when the starting state comes only from Docker (no envgym setup.sh to fall back on)."""
        return self.style != "files" and not self.has_setup


_WORKDIR_RE = re.compile(r"^\s*(FROM|WORKDIR)\s+(.+?)\s*$", re.IGNORECASE | re.MULTILINE)


def dockerfile_workdir(text: str) -> str | None:
    """The working directory the last stage of a Dockerfile ends in (``WORKDIR`` of the final
    ``FROM``, relative ones joined), if it can be told without building; variables make it unknown.

    >>> dockerfile_workdir("FROM a AS b\\nWORKDIR /x\\nFROM c\\nWORKDIR /srv\\nWORKDIR app\\n")
    '/srv/app'
    """
    workdir: str | None = None
    for instruction, value in _WORKDIR_RE.findall(text):
        if instruction.upper() == "FROM":
            workdir = None
            continue
        value = value.strip().strip("\"'")
        if "$" in value:
            return None
        workdir = value if value.startswith("/") else str(PurePosixPath(workdir or "/") / value)
    return workdir


def strip_canary(text: str) -> str:
    """Drop leading canary comment lines (data-provenance markers Harbor never shows the agent).

    >>> strip_canary("<!-- BENCHMARK DATA canary GUID x -->\\n\\nDo it.")
    'Do it.'
    """
    lines = text.split("\n")
    i = 0
    while i < len(lines) and re.match(r"^(<!--.*canary.*-->|#.*canary.*)$", lines[i].strip(), re.IGNORECASE):
        i += 1
    while i < len(lines) and not lines[i].strip():
        i += 1
    return "\n".join(lines[i:])


# --------------------------------------------------------------------------- reading


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
        loc = ".".join(str(p) for p in first["loc"] if not str(p).startswith(("function-after", "function-before")))
        raise _error(TaskFormatError, path, loc or None, first["msg"]) from None


def _read_instruction(path: Path) -> str:
    try:
        text = strip_canary(path.read_text(encoding="utf-8")).strip()
    except FileNotFoundError:
        raise _error(
            TaskFormatError, path, None, "missing; every task (and every step) needs an instruction.md"
        ) from None
    except UnicodeDecodeError:
        raise _error(TaskFormatError, path, None, "is not UTF-8 text") from None
    if not text:
        raise _error(TaskFormatError, path, None, "is empty")
    return text


def _style(cfg: TaskConfig, env_dir: Path) -> Style:
    """Harbor's precedence: a compose file (its ``main`` service from ``docker_image`` or the
    Dockerfile), else a prebuilt ``docker_image``, else the Dockerfile; else envgym's files/setup.sh."""
    if (env_dir / COMPOSE_FILE).is_file():
        return "compose"
    if cfg.environment.docker_image:
        return "image"
    if (env_dir / "Dockerfile").is_file():
        return "dockerfile"
    return "files"


def _ignored_keys(cfg: TaskConfig, root: Path) -> list[str]:
    """Keys with no effect in envgym whatever the provider, each reported once per process."""
    out = []
    for key in unknown_keys(cfg):
        out.append(key)
        warn_once(
            f"unknown:{key}",
            f"task.toml key {key!r} (first seen in {root.name}) is not part of Harbor's task "
            "format; ignored, as Harbor does",
        )
    env = cfg.environment
    agent_side = [
        ("environment.mcp_servers", bool(env.mcp_servers)),
        ("environment.skills_dir", env.skills_dir is not None),
    ]
    for key, present in agent_side:
        if present:
            out.append(key)
            warn_once(
                key,
                f"task.toml key {key!r} (first seen in {root.name}) configures the agent's own tools; envgym's "
                "built-in agents do not use it (it is passed on in the reset info for agents that do)",
            )
    if env.gpu_types and not env.gpus:
        out.append("environment.gpu_types")
    if (root / "trajectory.json").is_file():
        out.append("trajectory.json")
        warn_once(
            "trajectory.json", f"{root.name}/trajectory.json (prior agent context) is not replayed by envgym; ignored"
        )
    return out


def _resolved(values: dict[str, str], toml_path: Path, section: str) -> dict[str, str]:
    try:
        return resolve_env(values)
    except MissingVariable as exc:
        raise _error(UnsupportedTaskFeature, toml_path, f"{section}.{exc.key}", str(exc)) from None


def _steps(cfg: TaskConfig, root: Path) -> list[StepSpec]:
    out = []
    for step in cfg.steps or []:
        step_dir = root / "steps" / step.name
        if not step_dir.is_dir():
            raise _error(TaskFormatError, step_dir, "steps", f"step {step.name!r} has no directory steps/{step.name}/")
        tests = step_dir / "tests"
        solution = step_dir / "solution"
        workdir = step_dir / "workdir"
        if not (tests / "test.sh").is_file() and not (root / "tests" / "test.sh").is_file():
            raise _error(
                TaskFormatError,
                tests / "test.sh",
                None,
                f"step {step.name!r} has no test script: add steps/{step.name}/tests/test.sh or tests/test.sh",
            )
        out.append(
            StepSpec(
                name=step.name,
                instruction=_read_instruction(step_dir / "instruction.md"),
                config=step,
                tests_dir=tests if tests.is_dir() else None,
                solution_dir=solution if (solution / "solve.sh").is_file() else None,
                workdir_dir=workdir if workdir.is_dir() else None,
            )
        )
    return out


def load_task_dir(root: str | Path) -> TaskDirSpec:
    """Check one task directory; raises ``TaskFormatError`` (or ``UnsupportedTaskFeature`` for a
    ``${VAR}`` this process cannot resolve)."""
    root = Path(root)
    if not root.is_dir():
        raise _error(TaskFormatError, root, None, "not a directory")
    task_id = root.name
    if not TASK_ID_RE.match(task_id):
        raise _error(
            TaskFormatError,
            root,
            None,
            "the directory name is the task id and must be letters, digits, '.', '_' or '-' (at most 128)",
        )
    toml_path = root / "task.toml"
    cfg = _parse_toml(toml_path)

    steps = _steps(cfg, root) if cfg.steps else []
    instruction = steps[0].instruction if steps else _read_instruction(root / "instruction.md")
    env_dir = root / "environment"
    style = _style(cfg, env_dir)
    dockerfile_path = env_dir / "Dockerfile"
    dockerfile = dockerfile_path.read_text(encoding="utf-8", errors="replace") if dockerfile_path.is_file() else None
    has_setup = (env_dir / "setup.sh").is_file()
    if style != "files" and not env_dir.is_dir() and not cfg.environment.docker_image:
        raise _error(TaskFormatError, env_dir, None, "missing; it holds the task's Dockerfile or docker-compose.yaml")

    tests_dir = root / "tests"
    if not steps and not (tests_dir / "test.sh").is_file():
        if (tests_dir / "test.bat").is_file():
            # Harbor's Windows verifier; runnable.why_not refuses it on this Linux host.
            pass
        else:
            raise _error(
                TaskFormatError, tests_dir / "test.sh", None, "missing; the verifier entry point is tests/test.sh"
            )
    solution_dir = root / "solution" if (root / "solution" / "solve.sh").is_file() else None

    workdir = cfg.environment.workdir or (dockerfile_workdir(dockerfile) if dockerfile and style != "image" else None)
    return TaskDirSpec(
        root=root,
        task_id=task_id,
        instruction=instruction,
        config=cfg,
        style=style,
        workdir=workdir,
        has_setup=has_setup,
        dockerfile=dockerfile,
        tests_dir=tests_dir,
        solution_dir=solution_dir,
        steps=steps,
        environment_env=_resolved(cfg.environment.env, toml_path, "environment.env"),
        verifier_env=_resolved(cfg.verifier.env, toml_path, "verifier.env"),
        solution_env=_resolved(cfg.solution.env, toml_path, "solution.env"),
        ignored=_ignored_keys(cfg, root),
    )


def find_task_dirs(root: str | Path) -> list[Path]:
    """Task directories under ``root``: ``root`` itself if it holds a task.toml, else its children that do."""
    root = Path(root)
    if (root / "task.toml").is_file():
        return [root]
    if not root.is_dir():
        raise TaskFormatError(f"{root}: not a directory of tasks", details={"file": str(root), "field": None})
    return sorted(p for p in root.iterdir() if p.is_dir() and (p / "task.toml").is_file())
