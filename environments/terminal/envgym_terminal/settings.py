"""The terminal family's host settings (``--set terminal.KEY=VALUE``), checked at every host's start.

Example:
    >>> from envgym.kernel.context import EnvContext
    >>> EnvContext(settings={"terminal.allow_internet": "true"}).settings_for(TerminalSettings).allow_internet
    True
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from pydantic import Field, field_validator

from envgym.kernel.settings import Settings


class TerminalSettings(Settings):
    prefix: ClassVar[str] = "terminal"
    tasks_dir: str | list[str] | None = Field(
        default=None,
        description="task directories made a suite: PATH or NAME=PATH, several joined by the path separator or a list",
    )
    allow_internet: bool = Field(
        default=False, description="run tasks online as Harbor does (tasks asking for the network run)"
    )
    command_timeout_sec: float | None = Field(
        default=None, gt=0, description="seconds per command for tasks that name none (else 600)"
    )


class DockerAliasSettings(Settings):
    """Read by the terminal family when it builds a task's Docker image; ``docker`` names no family
    or grader, so these are checked where they are read (the first Docker task), not at start-up."""

    prefix: ClassVar[str] = "docker"
    from_aliases: dict[str, str] = Field(
        default_factory=dict,
        description='base images a Dockerfile FROM is replaced with ({"python:3.13": "envgym-base:bookworm"}, "*": all)',
    )

    @field_validator("from_aliases", mode="before")
    @classmethod
    def _json_text(cls, value: Any) -> Any:
        """A JSON object given as text (``settings=`` in code) reads as the object."""
        if isinstance(value, str):
            try:
                return json.loads(value)
            except json.JSONDecodeError:
                raise ValueError('must be a JSON object like {"python:3.13": "envgym-base:bookworm"}') from None
        return value or {}
