"""The examples in the docstrings run: every module of envgym, the server, the graders, the shipped
families and the verifiers package whose docstrings hold ``>>>`` examples is run through doctest.
An example marked ``# doctest: +SKIP`` (one that needs a server, a model or a browser) is only
parsed; everything else must give the output it shows."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = [
    ROOT / "envgym",
    ROOT / "server" / "envgym_server",
    ROOT / "graders" / "envgym_graders",
    *sorted((ROOT / "environments").glob("*/envgym_*")),
    ROOT / "envgym_verifiers",
]
# Task data shipped inside the packages (task repositories, Harbor task folders) is not envgym's code.
NOT_CODE = {"tasks", "repo_tasks"}


def _modules_with_examples() -> list[str]:
    found = []
    for package in PACKAGES:
        for path in sorted(package.rglob("*.py")):
            if NOT_CODE & set(path.relative_to(package).parts) or ">>> " not in path.read_text(errors="replace"):
                continue
            parts = path.relative_to(package.parent).with_suffix("").parts
            found.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return found


MODULES = _modules_with_examples()


def test_the_examples_are_found():
    assert len(MODULES) > 100 and {"envgym.protocol.ids", "envgym.kernel.families", "envgym_server.app"} <= set(
        MODULES
    ), MODULES


@pytest.mark.parametrize("module", MODULES)
def test_the_examples_of_a_module_run(module):
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS, report=False)
    assert not result.failed, (
        f"{result.failed} of {result.attempted} examples of {module} failed: "
        f"python -m doctest -v $(python -c 'import {module} as m; print(m.__file__)')"
    )
