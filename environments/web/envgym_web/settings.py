"""The web family's host settings (``--set web.KEY=VALUE``), checked at every host's start. The
last four are defaults a session's options of the same name override (``screenshots``: option
``screenshot``).

Example:
    >>> WebSettings(browsers="2").browsers, WebSettings().observation
    (2, 'axtree')
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, field_validator

from envgym.kernel.settings import Settings
from envgym_web.browser import DEFAULT_REUSES, DEFAULT_SPARES
from envgym_web.observe import DEFAULT_MAX_CHARS, observation_modes


class WebSettings(Settings):
    prefix: ClassVar[str] = "web"
    browsers: int = Field(default=1, ge=1, description="Chromium processes per worker")
    chromium_path: str | None = Field(default=None, description="the Chromium to launch (default: Playwright's)")
    headless: bool = Field(default=True, description="run Chromium without a window")
    chromium_args: list[str] = Field(default_factory=list, description="extra Chromium command-line switches")
    spare_contexts: int = Field(default=DEFAULT_SPARES, ge=0, description="pages set up ahead of resets")
    context_reuses: int = Field(
        default=DEFAULT_REUSES, ge=1, description="episodes one wiped MiniWoB context serves (1: a new one each)"
    )
    observation: str | list[str] = Field(default="axtree", description="axtree, dom, screenshot, som, or a list")
    screenshots: bool = Field(default=False, description="add a screenshot to every observation")
    max_obs_chars: int = Field(default=DEFAULT_MAX_CHARS, ge=1, description="characters of page text per observation")
    action_timeout_ms: float = Field(default=10_000, gt=0, description="milliseconds one browser action may take")

    @field_validator("observation")
    @classmethod
    def _known_modes(cls, value: str | list[str]) -> str | list[str]:
        observation_modes(value)  # ValueError naming the modes
        return value
