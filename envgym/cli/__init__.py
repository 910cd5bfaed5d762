"""The ``envgym`` command line. Each command lives in its own module under ``envgym.cli`` and
registers itself on ``app``; this module only assembles them.

Example:
    $ envgym list
"""

from __future__ import annotations

import importlib

from envgym.cli.app import app

# One module per command (or command group). A module that is missing is a packaging bug, not a
# reason to hide the other commands, so import errors are not swallowed here.
COMMAND_MODULES = [
    "envgym.cli.list_cmd",
    "envgym.cli.check_cmd",
    "envgym.cli.new_cmd",
    "envgym.cli.eval_cmd",
    "envgym.cli.report_cmd",
    "envgym.cli.demo_cmd",
]

for _name in COMMAND_MODULES:
    importlib.import_module(_name)


def _load_command_plugins() -> None:
    """Commands contributed by other distributions (entry-point group ``envgym.commands``; the value
    is a function taking the typer app and registering its commands on it). ``envgym serve`` comes
    from envgym-server this way, so the core never imports a plugin package by name. A broken
    plugin must not take the whole CLI down, so its failure is reported and the rest goes on."""
    from importlib import metadata

    from envgym.cli.app import err_console

    for ep in metadata.entry_points(group="envgym.commands"):
        try:
            ep.load()(app)
        except Exception as exc:  # noqa: BLE001
            dist = getattr(ep, "dist", None)
            err_console.print(
                f"[yellow]warning:[/] command plugin {ep.name!r} from package "
                f"{dist.name if dist else '?'} failed to load: {type(exc).__name__}: {exc}"
            )


_load_command_plugins()


def main() -> None:
    app()
