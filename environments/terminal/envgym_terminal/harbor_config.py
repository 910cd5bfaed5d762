"""``task.toml`` as Harbor reads it: the typed model of every key Harbor's task format accepts.

Field names, types and defaults follow Harbor's task configuration (schema 1.4): a task that
Harbor loads, this model loads, with the same defaults (agent timeout: none; verifier and build
timeouts: 600 s; network: public). Harbor ignores keys it does not know, and so does this model;
``unknown_keys`` lists them so the loader can say so (one warning line per key, see taskfmt.py).
What envgym does with each key is in docs/terminal.md ("Every Harbor key").

Example:
    >>> cfg = TaskConfig.model_validate({"version": "1.0", "verifier": {"timeout_sec": 30}})
    >>> cfg.schema_version, cfg.verifier.timeout_sec, cfg.agent.timeout_sec, cfg.environment.network_mode
    ('1.0', 30.0, None, 'public')
"""

from __future__ import annotations

import math
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

NetworkMode = Literal["no-network", "public", "allowlist"]
STEP_NAME_RE = re.compile(r'^(?!\.{1,2}$)[^<>:"/\\|?*\x00-\x1f\x7f]*[^<>:"/\\|?*\x00-\x1f\x7f. ]$')


class _Model(BaseModel):
    # Harbor's models ignore unknown keys; so do these (the loader reports them, see unknown_keys).
    model_config = ConfigDict(extra="allow")


class _PhaseNetwork(_Model):
    """[agent] / [verifier] network overrides: unset means "as the environment"."""

    network_mode: NetworkMode | None = None
    allowed_hosts: list[str] | None = None


class AgentConfig(_PhaseNetwork):
    timeout_sec: float | None = Field(None, gt=0)
    user: str | int | None = None
    # envgym extensions (Harbor ignores keys it does not know):
    max_turns: int | None = Field(None, ge=1, description="turn limit of an episode (default: none, as Harbor)")
    command_timeout_sec: float | None = Field(None, gt=0, description="limit on one bash call")


class HealthcheckConfig(_Model):
    command: str
    interval_sec: float = Field(5.0, ge=0)
    timeout_sec: float = Field(30.0, gt=0)
    start_period_sec: float = Field(0.0, ge=0)
    start_interval_sec: float = Field(5.0, ge=0)
    retries: int = Field(3, ge=1)


class TpuSpec(_Model):
    type: str
    topology: str


class MCPServerConfig(_Model):
    name: str
    transport: Literal["stdio", "sse", "streamable-http", "http"] = "sse"
    url: str | None = None
    command: str | None = None
    args: list[str] = Field(default_factory=list)
    headers: dict[str, str] = Field(default_factory=dict)


class EnvironmentConfig(_Model):
    build_timeout_sec: float = Field(600.0, gt=0)
    docker_image: str | None = None
    os: Literal["linux", "windows"] = "linux"
    cpus: float | None = Field(None, gt=0)
    memory_mb: int | None = Field(None, ge=16)
    storage_mb: int | None = Field(None, ge=16)
    gpus: int | None = Field(None, ge=0)
    gpu_types: list[str] | None = None
    tpu: TpuSpec | None = None
    mcp_servers: list[MCPServerConfig] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    skills_dir: str | None = None
    healthcheck: HealthcheckConfig | None = None
    workdir: str | None = None
    network_mode: NetworkMode = "public"
    allowed_hosts: list[str] | None = None
    allow_internet: bool | None = None  # deprecated Harbor spelling of network_mode

    @field_validator("os", mode="before")
    @classmethod
    def _os_lower(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    @field_validator("cpus")
    @classmethod
    def _finite_cpus(cls, value: float | None) -> float | None:
        if value is not None and not math.isfinite(value):
            raise ValueError("cpus must be a finite number")
        return value

    @field_validator("workdir")
    @classmethod
    def _absolute_workdir(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("/"):
            raise ValueError("workdir must be an absolute path")
        return value

    @model_validator(mode="before")
    @classmethod
    def _legacy_sizes(cls, data: Any) -> Any:
        # Harbor's deprecated spellings: memory = "2G", storage = "512M" (K, M or G).
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for old, new in (("memory", "memory_mb"), ("storage", "storage_mb")):
            if old not in data:
                continue
            value = data.pop(old)
            if isinstance(value, str):
                size = parse_size_mb(value)
                if new in data and data[new] != size:
                    raise ValueError(f"conflicting {old}={value!r} ({size} MB) and {new}={data[new]!r}")
                data.setdefault(new, size)
        return data

    @model_validator(mode="after")
    def _legacy_network(self) -> "EnvironmentConfig":
        # allow_internet is honoured only when network_mode was not given (Harbor's rule).
        if (
            self.allow_internet is not None
            and "network_mode" not in self.model_fields_set
            and self.allowed_hosts is None
        ):
            self.network_mode = "public" if self.allow_internet else "no-network"
        if self.allowed_hosts and self.network_mode != "allowlist":
            raise ValueError("allowed_hosts is only valid when network_mode = 'allowlist'")
        return self


class CollectConfig(_Model):
    command: str
    service: str = "main"
    timeout_sec: float = Field(60.0, gt=0)
    user: str | int | None = None


class VerifierConfig(_PhaseNetwork):
    timeout_sec: float = Field(600.0, gt=0)
    env: dict[str, str] = Field(default_factory=dict)
    user: str | int | None = None
    environment_mode: Literal["shared", "separate"] | None = None
    environment: EnvironmentConfig | None = None
    collect: list[CollectConfig] = Field(default_factory=list)
    # envgym extension: the range the task's reward files use, normalised to [0, 1] (default [0, 1]).
    reward_range: tuple[float, float] | None = None

    @field_validator("reward_range")
    @classmethod
    def _ordered_range(cls, value: tuple[float, float] | None) -> tuple[float, float] | None:
        if value is not None and not (math.isfinite(value[0]) and math.isfinite(value[1]) and value[0] < value[1]):
            raise ValueError("reward_range must be [low, high] with finite low < high")
        return value

    @model_validator(mode="after")
    def _mode_consistent(self) -> "VerifierConfig":
        if self.environment_mode == "shared" and self.environment is not None:
            raise ValueError("environment_mode = 'shared' conflicts with [verifier.environment]")
        return self

    @property
    def separate(self) -> bool | None:
        """True/False when this section decides the mode, None to inherit (Harbor's precedence)."""
        if self.environment_mode is not None:
            return self.environment_mode == "separate"
        return True if self.environment is not None else None


class ArtifactConfig(_Model):
    source: str
    destination: str | None = None
    exclude: list[str] = Field(default_factory=list)
    service: str | None = None

    @field_validator("source")
    @classmethod
    def _no_parent(cls, value: str) -> str:
        if ".." in value.split("/"):
            raise ValueError(f"artifact source must not contain '..': {value!r}")
        return value

    @field_validator("destination")
    @classmethod
    def _relative_destination(cls, value: str | None) -> str | None:
        if value and (value.startswith("/") or ".." in value.split("/") or "\\" in value):
            raise ValueError(f"artifact destination must be a relative path without '..': {value!r}")
        return value or None


class StepConfig(_Model):
    name: str
    agent: AgentConfig = Field(default_factory=AgentConfig)
    verifier: VerifierConfig = Field(default_factory=VerifierConfig)
    min_reward: float | dict[str, float] | None = None
    healthcheck: HealthcheckConfig | None = None
    artifacts: list[str | ArtifactConfig] = Field(default_factory=list)

    @field_validator("name")
    @classmethod
    def _portable_name(cls, value: str) -> str:
        if not value.strip() or not STEP_NAME_RE.match(value) or len(value.encode()) > 255:
            raise ValueError(
                f"step name {value!r} must be a portable directory name (no '/', control or reserved "
                "characters, no trailing dot or space)"
            )
        return value


class TaskSection(_Model):
    name: str | None = None
    version: str | None = None
    description: str = ""
    authors: list[dict[str, Any]] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)


class SolutionConfig(_Model):
    env: dict[str, str] = Field(default_factory=dict)


class TaskConfig(_Model):
    """One ``task.toml``. ``version`` is Harbor's old name of ``schema_version``."""

    schema_version: str = "1.4"
    source: str | None = None
    task: TaskSection | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    verifier: VerifierConfig = Field(default_factory=VerifierConfig)
    agent: AgentConfig = Field(default_factory=AgentConfig)
    environment: EnvironmentConfig = Field(default_factory=EnvironmentConfig)
    solution: SolutionConfig = Field(default_factory=SolutionConfig)
    multi_step_reward_strategy: Literal["mean", "final"] | None = None
    steps: list[StepConfig] | None = None
    artifacts: list[str | ArtifactConfig] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _version_rename(cls, data: Any) -> Any:
        if isinstance(data, dict) and "version" in data:
            data = dict(data)
            data.setdefault("schema_version", data.pop("version"))
        if isinstance(data, dict) and isinstance(data.get("schema_version"), (int, float)):
            data["schema_version"] = str(data["schema_version"])
        return data

    @field_validator("steps")
    @classmethod
    def _unique_steps(cls, steps: list[StepConfig] | None) -> list[StepConfig] | None:
        seen: set[str] = set()
        for step in steps or []:
            key = step.name.casefold()
            if key in seen:
                raise ValueError(f"step names must be unique (ignoring case): {step.name!r}")
            seen.add(key)
        return steps

    def verifier_separate(self, step: StepConfig | None = None) -> bool:
        """Whether the verifier of ``step`` (or of the task) runs in its own environment: the step's
        own setting, else the task's, else shared (Harbor's precedence)."""
        if step is not None and step.verifier.separate is not None:
            return step.verifier.separate
        return bool(self.verifier.separate)


_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMG])\s*$", re.IGNORECASE)


def parse_size_mb(text: str) -> int:
    """Harbor's size spelling ("2G", "512M", "1024K") in MB.

    >>> parse_size_mb("2G"), parse_size_mb("512m")
    (2048, 512)
    """
    match = _SIZE_RE.match(text)
    if not match:
        raise ValueError(f"cannot read {text!r} as a size; expected e.g. '1G', '512M'")
    value, unit = float(match.group(1)), match.group(2).upper()
    return int(value * {"K": 1 / 1024, "M": 1, "G": 1024}[unit])


def unknown_keys(model: BaseModel, prefix: str = "") -> list[str]:
    """Dotted names of every key in ``model`` (recursively) that the model does not define."""
    found = [f"{prefix}{key}" for key in (model.model_extra or {})]
    for name in type(model).model_fields:
        value = getattr(model, name)
        items = value if isinstance(value, list) else [value]
        for index, item in enumerate(items):
            if isinstance(item, BaseModel):
                where = f"{prefix}{name}" + (f"[{index}]" if isinstance(value, list) else "")
                found += unknown_keys(item, where + ".")
    return found
