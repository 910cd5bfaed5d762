"""The swe family's host settings (``--set swe.KEY=VALUE``), checked at every host's start.

Example:
    >>> SweSettings().max_turns, SweSettings(command_timeout_sec="60").command_timeout_sec
    (100, 60.0)
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from envgym.kernel.settings import Settings
from envgym_swe.images import DEFAULT_ARCH, DEFAULT_NAMESPACE


class SweSettings(Settings):
    prefix: ClassVar[str] = "swe"
    instances: str | list[str] | None = Field(
        default=None,
        description="instance files made a suite: PATH or NAME=PATH (.jsonl, .json, .parquet, a directory)",
    )
    images: str | None = Field(default=None, description="a JSON file mapping instance ids to local image tags")
    namespace: str = Field(default=DEFAULT_NAMESPACE, description="registry namespace of SWE-bench images")
    arch: str = Field(default=DEFAULT_ARCH, description="architecture in SWE-bench image names")
    profiles: str | None = Field(
        default=None, description='a JSON file {"owner/repo": {"test_cmd", "log_parser"}} for rows naming neither'
    )
    max_turns: int = Field(default=100, ge=1, description="turns per episode")
    agent_timeout_sec: float = Field(default=3600.0, gt=0, description="wall-clock seconds per episode")
    command_timeout_sec: float = Field(default=180.0, gt=0, description="seconds per bash command")
    test_timeout_sec: float = Field(default=1800.0, gt=0, description="seconds the verifier's tests may run")
    memory_mb: int = Field(default=4096, ge=1, description="memory of the agent's and the verifier's containers")
