"""The folders of envgym/ are layers (docs/architecture.md §2, "Layers as folders"): each imports only the
layers the table there allows. Every import counts, the lazy ones inside functions and those under
``TYPE_CHECKING`` too, since each is a dependency of the module. A new edge that breaks a rule is a
design change: move the code to the layer it belongs to, or change the table and this test together."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "envgym"

# What each layer (a folder of envgym/) may import from envgym, besides itself: a layer name allows the
# whole folder, a dotted name (e.g. "kernel.registry") that one module only.
ALLOWED: dict[str, set[str]] = {
    "protocol": set(),
    "kernel": {"protocol", "sandbox"},
    # A provider is looked up by name through the plugin registry, nothing else of the kernel.
    "sandbox": {"protocol", "kernel.registry"},
    "host": {"protocol", "kernel", "sandbox"},
    "agents": {"protocol", "kernel"},
    # The blocking client runs on the kernel's one sync bridge (kernel.sync).
    "client": {"protocol", "kernel"},
    "builtin": {"protocol", "kernel"},  # the debug family: a plugin, like any third party's
    # `envgym eval --ray` plays its episodes on a Ray pool (adapters.ray.RayTarget).
    "eval": {"protocol", "kernel", "sandbox", "agents", "client", "adapters.ray"},
    "adapters": {"protocol", "kernel", "sandbox", "host", "agents", "client", "eval"},
    "testing": {"protocol", "kernel", "sandbox", "host", "agents", "adversary"},
    "adversary": {"protocol", "kernel", "sandbox", "host", "agents", "testing"},
    "cli": {"protocol", "kernel", "sandbox", "host", "agents", "client", "eval", "adapters", "testing", "adversary"},
}
# Inside envgym a module imports from the module that defines a name, not from the facade
# (envgym/__init__.py), which would make the layers import each other in a circle.
FROM_FACADE = {"__version__"}


def _is_module(dotted: str) -> bool:
    path = ROOT.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _imports(path: Path) -> list[tuple[int, str]]:
    """The envgym modules (or facade names, as ``envgym:name``) that ``path`` imports, with their lines."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                if _is_module(full):
                    found.append((node.lineno, full))
                elif node.module == "envgym":
                    found.append((node.lineno, f"envgym:{alias.name}"))
                else:
                    found.append((node.lineno, node.module))
    return [(line, name) for line, name in found if name == "envgym" or name.startswith(("envgym.", "envgym:"))]


def _layer_files(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).rglob("*.py"))


def _allows(layer: str, target: str) -> bool:
    inside = target.removeprefix("envgym.")
    return any(inside == rule or inside.startswith(f"{rule}.") for rule in {layer, *ALLOWED[layer]})


def test_every_folder_of_envgym_is_a_layer_with_rules():
    folders = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    # Only the facade lives at the top; every other module is in a layer's folder.
    assert sorted(p.name for p in PACKAGE.glob("*.py")) == ["__init__.py"]
    assert folders == set(ALLOWED), "a new folder of envgym/ needs its row in ALLOWED and in docs/architecture.md §2"


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_a_layer_imports_only_what_it_may(layer):
    wrong = []
    for path in _layer_files(layer):
        for line, target in _imports(path):
            if target.startswith("envgym:"):
                ok = target.removeprefix("envgym:") in FROM_FACADE
            else:
                ok = target != "envgym" and _allows(layer, target)
            if not ok:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    assert not wrong, f"{layer} may import only {sorted(ALLOWED[layer])}:\n" + "\n".join(wrong)


def test_nothing_below_the_commands_imports_them():
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {target}"
        for layer in ALLOWED
        if layer != "cli"
        for path in _layer_files(layer)
        for line, target in _imports(path)
        if target == "envgym.cli" or target.startswith("envgym.cli.")
    ]
    assert not wrong, wrong


def test_the_server_is_no_client_of_itself():
    # The server is a face of the episode host: it uses the kernel and the host, never the HTTP client
    # or an adapter written for a trainer (those talk to a server).
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {target}"
        for path in sorted((ROOT / "server" / "envgym_server").rglob("*.py"))
        for line, target in _imports(path)
        if target.startswith(("envgym.client", "envgym.adapters"))
    ]
    assert not wrong, wrong


def test_the_rules_catch_an_edge_that_breaks_them():
    # The check itself: an import from the client into the kernel is refused, the allowed ones pass.
    assert not _allows("kernel", "envgym.client.client")
    assert not _allows("protocol", "envgym.kernel.environment")
    assert not _allows("sandbox", "envgym.kernel.context")
    assert _allows("sandbox", "envgym.kernel.registry")
    assert _allows("eval", "envgym.adapters.ray") and not _allows("eval", "envgym.adapters.gym")
