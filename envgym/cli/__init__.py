"""The ``envgym`` command line. Each command lives in its own module under ``envgym.cli`` and
registers itself on ``app``; this module only assembles them.

Example:
    $ envgym list
"""

from __future__ import annotations

from importlib import metadata

from envgym.cli.app import app, err_console

# One module per command (or command group); importing one registers its commands on ``app``, in
# the order ``envgym --help`` lists them. A module that is missing is a packaging bug, not a reason
# to hide the other commands, so import errors are not swallowed here.
# isort: off
from envgym.cli import list_cmd, check_cmd, new_cmd, eval_cmd, report_cmd, demo_cmd  # noqa: F401
# isort: on


def _load_command_plugins() -> None:
    """Commands contributed by other distributions (entry-point group ``envgym.commands``; the value
    is a function taking the typer app and registering its commands on it). ``envgym serve`` comes
    from envgym-server this way, so the core never imports a plugin package by name. A broken
    plugin must not take the whole CLI down, so its failure is reported and the rest goes on."""
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
