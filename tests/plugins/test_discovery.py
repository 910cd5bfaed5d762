"""Packages envgym has never heard of are discovered through their entry points; a plugin that
fails to import is reported with its package and traceback; a name two packages offer names both."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import pytest

import envgym
from envgym.kernel import registry
from envgym.kernel.registry import Registry
from envgym.protocol.errors import DuplicatePlugin, PluginLoadError

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def _listed(result) -> dict[str, dict]:
    assert result.returncode == 0, result.stderr
    return {row["name"]: row for row in json.loads(result.stdout)}


def test_a_pip_installed_third_party_package_is_discovered(pip, envgym_cli) -> None:
    pip("install", "--no-build-isolation", "--no-deps", str(FIXTURES / "envgym-toyplugin"))
    try:
        rows = _listed(envgym_cli("list", "environments", "--json"))
        assert rows["toyplugin"]["package"] == "envgym-toyplugin"
        assert rows["toyplugin"]["version"] == "0.3.0"
        check = envgym_cli("check", "toyplugin")
        assert check.returncode == 0, check.stdout + check.stderr
        # The running process sees it too, after a refresh: envgym.make knows nothing about it by name.
        importlib.invalidate_caches()
        registry.refresh()
        env = envgym.make("toyplugin", task_id="river")
        obs, info = env.reset(seed=0)
        assert obs == "Write river in upper case."
        assert env.step("RIVER")[1] == 1.0
        env.close()
    finally:
        pip("uninstall", "-y", "envgym-toyplugin")
        sys.modules.pop("envgym_toyplugin", None)
        registry.refresh()
    assert "toyplugin" not in _listed(envgym_cli("list", "environments", "--json"))


@pytest.fixture
def side_packages(tmp_path: Path, pip):
    """Install fixture packages into a private directory put on PYTHONPATH / sys.path. The broken
    and the duplicate packages would break other users of the shared venv while installed, so
    they never go into it; discovery works the same for any directory on the path."""

    def install(*names: str) -> Path:
        target = tmp_path / "site"
        for name in names:
            pip("install", "--no-build-isolation", "--no-deps", "--target", str(target), str(FIXTURES / name))
        return target

    return install


def test_a_plugin_that_fails_to_import_is_reported_with_package_and_traceback(
    side_packages, monkeypatch, envgym_cli
) -> None:
    site = side_packages("envgym-brokenplugin")
    listing = envgym_cli("list", "environments", "--json", pythonpath=site)
    assert _listed(listing)["brokenplugin"]["package"] == "envgym-brokenplugin"  # listing imports nothing
    for command in (["info", "brokenplugin"], ["check", "brokenplugin"]):
        result = envgym_cli(*command, pythonpath=site)
        text = result.stdout + result.stderr
        assert result.returncode != 0
        assert "envgym-brokenplugin" in text and "failed to import" in text
        assert "Traceback" in text and "envgym_dependency_that_does_not_exist" in text
        assert "no environment plugin named" not in text

    monkeypatch.syspath_prepend(str(site))
    with pytest.raises(PluginLoadError) as caught:
        Registry().load("environments", "brokenplugin")
    assert caught.value.details["package"] == "envgym-brokenplugin"
    assert "ModuleNotFoundError" in caught.value.details["traceback"]
    assert "envgym_dependency_that_does_not_exist" in caught.value.details["traceback"]


def test_a_name_offered_by_two_packages_names_both(side_packages, monkeypatch, envgym_cli) -> None:
    site = side_packages("envgym-toyplugin", "envgym-dupplugin")
    listing = envgym_cli("list", "environments", pythonpath=site)
    assert listing.returncode == 0
    # one row per package, both marked, and the registry's duplicate_plugin error on stderr
    rows = [line for line in listing.stdout.splitlines() if "toyplugin" in line]
    assert len(rows) == 2 and all("(conflict)" in row for row in rows), listing.stdout
    assert {"envgym-dupplugin", "envgym-toyplugin"} == {
        p for row in rows for p in ("envgym-dupplugin", "envgym-toyplugin") if p in row
    }
    assert (
        "error:" in listing.stderr
        and "provided by more than one package: envgym-dupplugin, envgym-toyplugin" in listing.stderr
    )
    as_json = json.loads(envgym_cli("list", "environments", "--json", pythonpath=site).stdout)
    assert sorted((r["package"], r["conflict"]) for r in as_json if r["name"] == "toyplugin") == [
        ("envgym-dupplugin", True),
        ("envgym-toyplugin", True),
    ]
    info = envgym_cli("info", "toyplugin", pythonpath=site)
    assert info.returncode != 0
    assert "envgym-dupplugin" in info.stderr + info.stdout and "envgym-toyplugin" in info.stderr + info.stdout

    monkeypatch.syspath_prepend(str(site))
    with pytest.raises(DuplicatePlugin) as caught:
        Registry().load("environments", "toyplugin")
    assert caught.value.details["packages"] == ["envgym-dupplugin", "envgym-toyplugin"]
