"""What the browser tests of this folder share: the skip mark, one long-lived context, task and
element lookups."""

from __future__ import annotations

import shutil

import pytest

from envgym.kernel.context import EnvContext
from envgym_web.environment import WebEnvironment
from envgym_web.observe import parse_elements
from envgym_web.oracle import find, page_text

NEEDS_CHROMIUM = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not any(shutil.which(n) for n in ("chromium", "chromium-browser")),
        reason="needs Chromium (scripts/setup.sh installs it)",
    ),
]
SHARED = EnvContext(sandbox="process")  # never closed: keeps one browser up for these tests


def shop(task_id: str):
    return WebEnvironment.get_task("shop", task_id)


def element(result, role: str, name: str) -> int:
    return find(parse_elements(page_text(result.observation)), role, name).id
