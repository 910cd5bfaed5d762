"""`envgym new NAME` scaffolds a package that, once pip-installed, `envgym list` shows, `envgym check`
passes, and whose own tests pass — without any change to envgym."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from envgym.cli import app
from envgym.cli.new_cmd import TEMPLATES, Names, scaffold

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_scaffolded_package_installs_lists_checks_and_tests_green(
    tmp_path: Path, pip, envgym_cli, template: str
) -> None:
    name = f"scaffold-{uuid.uuid4().hex[:8]}"
    names = Names.of(name)
    created = envgym_cli("new", name, "--dir", str(tmp_path), "--template", template)
    assert created.returncode == 0, created.stderr
    package = tmp_path / names.distribution
    assert (package / "pyproject.toml").is_file() and (package / "README.md").is_file()
    assert (package / "src" / names.module / "environment.py").is_file()
    assert f'{name} = "{names.module}.environment:{names.class_name}"' in (package / "pyproject.toml").read_text()

    pip("install", "--no-build-isolation", "--no-deps", "-e", str(package))
    try:
        listed = envgym_cli("list", "environments", "--json")
        rows = {row["name"]: row for row in json.loads(listed.stdout)}
        assert rows[name]["package"] == names.distribution
        check = envgym_cli("check", name)
        assert check.returncode == 0, check.stdout + check.stderr
        assert "passes every check" in check.stdout
        assert "warn" not in (check.stdout + check.stderr).lower(), check.stdout + check.stderr
        # pytest-asyncio is installed in this venv (envgym's own tests use it): the package's
        # tests must still run without a warning, as its author would see them.
        own_tests = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error"],
            cwd=package,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert own_tests.returncode == 0, own_tests.stdout + own_tests.stderr
        said = own_tests.stdout + own_tests.stderr
        assert "2 passed" in own_tests.stdout and "warning" not in said.lower(), said
    finally:
        pip("uninstall", "-y", names.distribution)
    gone = {row["name"] for row in json.loads(envgym_cli("list", "environments", "--json").stdout)}
    assert name not in gone


def test_names_map_to_distribution_module_and_class() -> None:
    assert Names.of("toy-math") == Names("toy-math", "envgym-toy-math", "envgym_toy_math", "ToyMathEnvironment")


@pytest.mark.parametrize("bad", ["Toy", "1abc", "a--b", "with space", "trailing-", ""])
def test_invalid_names_are_refused(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ValueError, match="invalid name"):
        scaffold(bad, tmp_path)


def test_cli_refuses_existing_directories_and_unknown_kinds(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["new", "again", "--dir", str(tmp_path)]).exit_code == 0
    again = runner.invoke(app, ["new", "again", "--dir", str(tmp_path)])
    assert again.exit_code == 1 and "already exists" in again.output
    kind = runner.invoke(app, ["new", "other", "--dir", str(tmp_path), "--kind", "grader"])
    assert kind.exit_code == 1 and "unknown kind" in kind.output
    template = runner.invoke(app, ["new", "other", "--dir", str(tmp_path), "--template", "chat"])
    assert template.exit_code == 1 and "unknown template 'chat'; supported: single-turn, tool" in template.output
    assert not (tmp_path / "envgym-other").exists()


def test_the_templates_ship_inside_the_envgym_wheel(tmp_path: Path, pip) -> None:
    pip("wheel", "--no-build-isolation", "--no-deps", "-w", str(tmp_path), str(REPO))
    wheel = next(tmp_path.glob("envgym-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for rel in (
        "common/pyproject.toml.tmpl",
        "common/README.md.tmpl",
        "common/src/__module__/__init__.py.tmpl",
        *(f"{t}/src/__module__/environment.py.tmpl" for t in TEMPLATES),
        *(f"{t}/tests/test___name__.py.tmpl" for t in TEMPLATES),
    ):
        assert f"envgym/templates/environment/{rel}" in names
