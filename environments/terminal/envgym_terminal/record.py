"""Task records of Harbor task directories, and loading a suite of them one task at a time.

Everything a task needs at run time travels in its ``Task`` record: what the agent sees and the
limits in ``payload``/``metadata``, everything that decides the reward (tests, solutions, resolved
environment variables, which may hold secrets) in ``private``, which task listings never show.
Docker-built environments are the one exception: their build context stays on disk and is named
by ``payload["environment_dir"]`` (an image build reads the directory anyway, and a task set's
contexts can be large).

A directory whose task does not load is reported as a ``SkippedTask`` with the reason; the other
tasks of the suite load.

Example:
    >>> from envgym_terminal.suites import TASKS_ROOT
    >>> tasks, skipped = load_suite_dirs([TASKS_ROOT / "core"], "core")
    >>> len(tasks) > 30, skipped
    (True, [])
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from envgym.protocol import SkippedTask, Task
from envgym_terminal import bundle
from envgym_terminal.harbor_config import ArtifactConfig, EnvironmentConfig, StepConfig, TaskConfig
from envgym_terminal.taskfmt import TaskDirSpec, TaskFormatError, UnsupportedTaskFeature, find_task_dirs, load_task_dir
from envgym_terminal.templating import MissingVariable, resolve_env

SINGLE_STEP = "task"  # the name of the one step of a task without [[steps]]


def _artifacts(entries: Sequence[str | ArtifactConfig]) -> list[dict[str, Any]]:
    return [
        ArtifactConfig(source=e).model_dump() if isinstance(e, str) else e.model_dump(exclude_unset=False)
        for e in entries
    ]


def _phase_network(cfg: EnvironmentConfig, explicit: bool, phase: str | None) -> str | None:
    """The network of one phase: the phase's own mode, else the environment's; None when nothing
    was written (envgym's offline default then applies, see runnable.py)."""
    if phase is not None:
        return phase
    return cfg.network_mode if explicit else None


def _verifier_env_def(cfg: TaskConfig, spec: TaskDirSpec, step: StepConfig | None) -> dict[str, Any] | None:
    """Where a separate verifier runs (Harbor's precedence): a ``docker_image`` of the step's or the
    task's [verifier.environment], else a Dockerfile in the step's or the task's tests directory
    (tests built into the image), else a fresh copy of the task's own environment."""
    if not cfg.verifier_separate(step):
        return None
    env_cfg = (
        (step.verifier.environment if step and step.verifier.environment else None)
        or cfg.verifier.environment
        or cfg.environment
    )
    candidates = []
    if step is not None:
        candidates.append((step.verifier.environment, spec.root / "steps" / step.name / "tests"))
    candidates.append((cfg.verifier.environment, spec.tests_dir))
    for environment, directory in candidates:
        if environment is not None and environment.docker_image:
            return {
                "kind": "image",
                "image": environment.docker_image,
                "memory_mb": env_cfg.memory_mb,
                "cpus": env_cfg.cpus,
                "network_mode": env_cfg.network_mode,
                "workdir": env_cfg.workdir,
            }
        if (directory / "Dockerfile").is_file():
            return {
                "kind": "dockerfile",
                "context": str(directory),
                "memory_mb": env_cfg.memory_mb,
                "cpus": env_cfg.cpus,
                "network_mode": env_cfg.network_mode,
                "workdir": env_cfg.workdir,
            }
    return {
        "kind": "task",
        "memory_mb": env_cfg.memory_mb,
        "cpus": env_cfg.cpus,
        "network_mode": env_cfg.network_mode,
        "workdir": env_cfg.workdir,
    }


def _step_payload(cfg: TaskConfig, spec: TaskDirSpec, step: StepConfig | None, name: str) -> dict[str, Any]:
    agent = step.agent if step is not None else cfg.agent
    verifier = step.verifier if step is not None else cfg.verifier
    env = cfg.environment
    explicit = "network_mode" in env.model_fields_set or env.allow_internet is not None
    return {
        "name": name,
        "agent_timeout_sec": agent.timeout_sec if agent.timeout_sec is not None else cfg.agent.timeout_sec,
        "agent_user": agent.user if agent.user is not None else cfg.agent.user,
        "verifier_user": verifier.user if verifier.user is not None else cfg.verifier.user,
        "verifier_timeout_sec": verifier.timeout_sec,
        "agent_network": _phase_network(env, explicit, agent.network_mode or cfg.agent.network_mode),
        "verifier_network": _phase_network(env, explicit, verifier.network_mode or cfg.verifier.network_mode),
        "min_reward": step.min_reward if step is not None else None,
        "healthcheck": step.healthcheck.model_dump() if step is not None and step.healthcheck else None,
        "artifacts": _artifacts([*cfg.artifacts, *(step.artifacts if step is not None else [])]),
        "collect": [c.model_dump() for c in verifier.collect or cfg.verifier.collect],
        "separate_verifier": _verifier_env_def(cfg, spec, step),
        "reward_range": list(verifier.reward_range or cfg.verifier.reward_range or ()) or None,
    }


def _step_private(spec: TaskDirSpec, step_index: int) -> dict[str, Any]:
    toml = spec.root / "task.toml"
    if not spec.steps:
        return {
            "instruction": spec.instruction,
            "tests_b64": bundle.pack_dirs(spec.tests_dir),
            "solution_b64": bundle.pack_dirs(spec.solution_dir) if spec.solution_dir else None,
            "workdir_b64": None,
            "verifier_env": spec.verifier_env,
        }
    step = spec.steps[step_index]
    try:
        step_env = resolve_env(step.config.verifier.env)
    except MissingVariable as exc:
        raise UnsupportedTaskFeature(
            f"{toml}, field 'steps.{step.name}.verifier.env.{exc.key}': {exc}",
            details={"file": str(toml), "field": f"steps.{step.name}.verifier.env"},
        ) from None
    solution = step.solution_dir or spec.solution_dir
    return {
        "instruction": step.instruction,
        # Harbor uploads the task's tests/ and then the step's tests/ over them.
        "tests_b64": bundle.pack_dirs(spec.tests_dir, step.tests_dir),
        "solution_b64": bundle.pack_dirs(solution) if solution else None,
        "workdir_b64": bundle.pack_dirs(step.workdir_dir) if step.workdir_dir else None,
        "verifier_env": {**spec.verifier_env, **step_env},
    }


def task_from_dir(spec: TaskDirSpec, suite: str) -> Task:
    """The Task record of a checked task directory."""
    cfg = spec.config
    env = cfg.environment
    meta: dict[str, Any] = {k: v for k, v in cfg.metadata.items() if isinstance(v, (str, int, float, bool, list))}
    steps = spec.steps or [None]
    step_payloads = [_step_payload(cfg, spec, s.config if s else None, s.name if s else SINGLE_STEP) for s in steps]
    meta.update(
        max_turns=cfg.agent.max_turns,
        agent_timeout_sec=cfg.agent.timeout_sec,
        verifier_timeout_sec=cfg.verifier.timeout_sec,
    )
    if cfg.task and cfg.task.name:
        meta.setdefault("name", cfg.task.name)
    if cfg.task and cfg.task.keywords:
        meta.setdefault("tags", cfg.task.keywords)
    if spec.steps:
        meta["steps"] = [s.name for s in spec.steps]
    if cfg.verifier.reward_range:
        meta["reward_range"] = list(cfg.verifier.reward_range)
    if spec.ignored:
        meta["ignored_fields"] = spec.ignored
    env_dir = spec.environment_dir
    payload = {
        "source_dir": str(spec.root),  # for error messages; not in metadata, which task listings show
        "environment_dir": str(env_dir) if env_dir.is_dir() else None,
        "style": spec.style,
        "workdir": spec.workdir,
        "has_setup": spec.has_setup,
        "docker_image": env.docker_image,
        "max_turns": cfg.agent.max_turns,
        "agent_timeout_sec": cfg.agent.timeout_sec,
        "command_timeout_sec": cfg.agent.command_timeout_sec,
        "build_timeout_sec": env.build_timeout_sec,
        "memory_mb": env.memory_mb,
        "storage_mb": env.storage_mb,
        "cpus": env.cpus,
        "gpus": env.gpus or 0,
        "tpu": env.tpu.model_dump() if env.tpu else None,
        "os": env.os,
        "network_mode": env.network_mode,
        "allowed_hosts": env.allowed_hosts,
        "healthcheck": env.healthcheck.model_dump() if env.healthcheck else None,
        "mcp_servers": [m.model_dump() for m in env.mcp_servers],
        "skills_dir": env.skills_dir,
        "multi_step": bool(spec.steps),
        "multi_step_reward_strategy": cfg.multi_step_reward_strategy or "mean",
        "steps": step_payloads,
        "windows_tests": not (spec.tests_dir / "test.sh").is_file() and (spec.tests_dir / "test.bat").is_file(),
    }
    private = {
        # envgym's own start state (environment/files + setup.sh) or, for a prebuilt docker_image,
        # Harbor's upload of environment/ into the working directory.
        "environment_b64": bundle.pack_dirs(env_dir, exclude=("Dockerfile",) if spec.style == "files" else ())
        if env_dir.is_dir() and spec.style in ("files", "image") or spec.has_setup
        else None,
        "environment_env": spec.environment_env,
        "solution_env": spec.solution_env,
        "steps": [_step_private(spec, i) for i in range(len(steps))],
    }
    first = private["steps"][0]
    # The single-step fields earlier versions of envgym used (kept for the verifier and regrading).
    private.update(tests_b64=first["tests_b64"], solution_b64=first["solution_b64"], verifier_env=first["verifier_env"])
    return Task(id=spec.task_id, suite=suite, prompt=spec.instruction, payload=payload, private=private, metadata=meta)


def load_suite_dirs(paths: Sequence[Path], suite: str) -> tuple[list[Task], list[SkippedTask]]:
    """The tasks under ``paths`` that load, and the ones that do not (with the reason)."""
    tasks: dict[str, Task] = {}
    skipped: list[SkippedTask] = []
    for root in paths:
        try:
            dirs = find_task_dirs(root)
        except TaskFormatError as exc:
            skipped.append(SkippedTask(id=Path(root).name, reason=exc.message, source=str(root), code=exc.code))
            continue
        for task_dir in dirs:
            try:
                spec = load_task_dir(task_dir)
                if spec.task_id in tasks:
                    raise TaskFormatError(
                        f"{task_dir}: task id {spec.task_id!r} appears twice in suite {suite!r}; task ids "
                        "come from directory names and must be unique",
                        details={"file": str(task_dir), "field": None},
                    )
                tasks[spec.task_id] = task_from_dir(spec, suite)
            except TaskFormatError as exc:
                skipped.append(
                    SkippedTask(
                        id=task_dir.name,
                        reason=exc.message,
                        source=str(exc.details.get("file") or task_dir),
                        code=exc.code,
                    )
                )
    return list(tasks.values()), skipped
