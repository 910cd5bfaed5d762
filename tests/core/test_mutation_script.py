"""scripts/mutation.py's staging: the pytest settings a set's mutmut run gets (the script itself is a
developer's tool; its runs take minutes to hours and are documented in docs/testing.md)."""

from __future__ import annotations

import importlib.util
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def mutation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    spec = importlib.util.spec_from_file_location("envgym_mutation_script", ROOT / "scripts" / "mutation.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "WORK", tmp_path)
    return module


def staged(mutation: ModuleType, name: str) -> dict:
    work = mutation.stage(name, mutation.SETS[name])
    return tomllib.loads((work / "pyproject.toml").read_text())["tool"]


def test_a_set_with_its_own_test_timeout_runs_under_it(mutation):
    """A mutant that leaves a bounded-pool test waiting on a worker uses no CPU, so only pytest's
    timeout ends it: the set's 60 s, not the repository's."""
    tool = staged(mutation, "bounded-pool")
    assert tool["pytest"]["ini_options"]["timeout"] == 60
    assert tool["mutmut"]["only_mutate"] == ["envgym/kernel/bounded.py"]
    assert tool["mutmut"]["pytest_add_cli_args_test_selection"] == ["tests/core/test_bounded.py"]


def test_other_sets_keep_the_repository_pytest_settings(mutation):
    repository = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    options = staged(mutation, "fast")["pytest"]["ini_options"]
    assert options == {k: v for k, v in repository.items() if k != "testpaths"}
