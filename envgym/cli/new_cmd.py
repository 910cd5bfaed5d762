"""``envgym new NAME``: scaffold an installable plugin package ``envgym-NAME``.

The package has a pyproject with the ``envgym.environments`` entry point, a small working
environment family (tasks, tools, grading, an oracle policy), tests that run the conformance kit,
and a README. ``--template`` picks the family's shape: ``single-turn`` (one answer, in plain text
or through a ``submit`` tool) or ``tool`` (tools called over several turns, then ``submit``).

Templates live in ``envgym/templates/<kind>/``: ``common/`` holds the files every template shares
and ``<template>/`` the rest. ``.tmpl`` files are rendered with ``string.Template`` (``${family}``,
``${module}``, ``${class_name}``, ``${distribution}``, ``${template}``, ``${shape}``), and
``__module__`` / ``__name__`` in paths become the module name and the plugin name.

Example:
    $ envgym new toy-math --dir /tmp && pip install -e /tmp/envgym-toy-math && envgym check toy-math
    $ envgym new stock-lookup --template tool
"""

from __future__ import annotations

import dataclasses
import importlib.util
import re
import string
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import typer

from envgym.cli.app import app, console, fail

KINDS = ("environment",)
# template -> the sentence the package's README opens with
TEMPLATES = {
    "single-turn": "short questions, each answered in one reply (plain text or a `submit` tool call).",
    "tool": "tools called over several turns (`list_items`, `count`), then `submit` with the answer.",
}
NAME = re.compile(r"^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$")


@dataclass(frozen=True)
class Names:
    family: str  # plugin / entry-point name, e.g. "toy-math"
    distribution: str  # "envgym-toy-math"
    module: str  # "envgym_toy_math"
    class_name: str  # "ToyMathEnvironment"

    @classmethod
    def of(cls, name: str) -> "Names":
        snake = name.replace("-", "_")
        camel = "".join(part.capitalize() for part in re.split(r"[-_]", name))
        return cls(
            family=name, distribution=f"envgym-{name}", module=f"envgym_{snake}", class_name=f"{camel}Environment"
        )


def _walk(root: Traversable, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Traversable]]:
    out = []
    for item in sorted(root.iterdir(), key=lambda t: t.name):
        if item.name == "__pycache__":
            continue
        if item.is_dir():
            out.extend(_walk(item, prefix + (item.name,)))
        else:
            out.append((prefix + (item.name,), item))
    return out


def scaffold(name: str, directory: Path, kind: str = "environment", template: str = "single-turn") -> Path:
    """Write the package ``envgym-NAME`` under ``directory`` from ``template`` and return its path.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     root = scaffold("stock-lookup", Path(tmp), template="tool")
        ...     sorted(p.name for p in (root / "src" / "envgym_stock_lookup").iterdir())
        ['__init__.py', 'environment.py']
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; supported: {', '.join(KINDS)}")
    if template not in TEMPLATES:
        raise ValueError(f"unknown template {template!r}; supported: {', '.join(TEMPLATES)}")
    if not NAME.match(name):
        raise ValueError(
            f"invalid name {name!r}: use lowercase letters, digits and single '-' or '_' "
            "between them, starting with a letter (e.g. 'toy-math')"
        )
    names = Names.of(name)
    target = directory / names.distribution
    if target.exists():
        raise FileExistsError(f"{target} already exists; choose another name or --dir")
    _refuse_taken(names)
    mapping = {**dataclasses.asdict(names), "template": template, "shape": TEMPLATES[template]}
    kind_root = resources.files("envgym") / "templates" / kind
    # the template's own files after the shared ones, so a template may replace a shared file
    files = dict(_walk(kind_root / "common"))
    files.update(_walk(kind_root / template))
    for parts, item in files.items():
        rel = [
            p.replace("__module__", names.module).replace("__name__", names.module.removeprefix("envgym_"))
            for p in parts
        ]
        text = item.read_text(encoding="utf-8")
        if rel[-1].endswith(".tmpl"):
            rel[-1] = rel[-1][: -len(".tmpl")]
            text = string.Template(text).substitute(mapping)
        out = target.joinpath(*rel)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    return target


def _refuse_taken(names: Names) -> None:
    """A family name or module that already exists would make the new package ambiguous (``envgym``
    refuses a name two packages provide) or shadow the existing module on import."""
    from envgym.kernel import registry

    existing = next((p for p in registry.list_plugins("environments") if p.name == names.family), None)
    if existing is not None:
        raise FileExistsError(
            f"an environment family named {names.family!r} already exists (package {existing.package} "
            f"{existing.version}, entry point {existing.value}); choose another name"
        )
    try:
        spec = importlib.util.find_spec(names.module)
    except (ImportError, ValueError):
        spec = None
    if spec is not None:
        where = spec.origin or ", ".join(spec.submodule_search_locations or []) or "?"
        raise FileExistsError(
            f"a Python module named {names.module!r} already exists ({where}); the new package "
            "would shadow it or be shadowed by it: choose another name"
        )


@app.command("new")
def new_command(
    name: str = typer.Argument(..., help="plugin name, e.g. toy-math (package envgym-toy-math, id toy-math/...)"),
    directory: Path = typer.Option(Path("."), "--dir", help="where to create the envgym-NAME folder"),
    kind: str = typer.Option("environment", "--kind", help=f"what to scaffold: {', '.join(KINDS)}"),
    template: str = typer.Option(
        "single-turn",
        "--template",
        "-t",
        help="single-turn (one answer per task) or tool (tools over several turns, then submit)",
    ),
) -> None:
    """Scaffold an installable plugin package (pyproject with entry point, a working environment,
    an oracle, tests that run the conformance kit, a README)."""
    try:
        target = scaffold(name, directory, kind, template)
    except (ValueError, FileExistsError) as exc:
        raise fail(str(exc))
    console.print(
        f"created {target}\nnext:\n  pip install -e {target}\n  envgym check {name}\n  (cd {target} && pytest)"
    )
