"""The typer application every command module registers on."""

from __future__ import annotations

import contextlib
from typing import Any, Iterator, Sequence

import typer
from rich.console import Console
from rich.table import Table

from envgym.protocol.errors import EnvgymError

app = typer.Typer(
    name="envgym",
    help="envgym: agentic RL environments for language models — list, serve, check, evaluate.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
console = Console()
err_console = Console(stderr=True)


def fail(message: str, code: int = 1) -> "typer.Exit":
    """Print an actionable error and return the Exit to raise."""
    err_console.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


@contextlib.contextmanager
def failing() -> Iterator[None]:
    """An ``EnvgymError`` raised inside becomes an actionable error (with the traceback of a plugin
    that failed to load) and exit status 1."""
    try:
        yield
    except EnvgymError as exc:
        raise fail(exc.message + (f"\n{exc.details['traceback']}" if "traceback" in exc.details else "")) from None


def new_table(
    title: str, columns: Sequence[str], *, numbers: bool = False, caption: str | None = None, **options: Any
) -> Table:
    """A table of ``columns``; with ``numbers``, every column after the first is right-justified.
    ``options`` go to every column (``overflow``, ``no_wrap``)."""
    table = Table(title=title, caption=caption)
    for i, col in enumerate(columns):
        table.add_column(col, justify="right" if numbers and i else "left", **options)
    return table


def settings_option(items: list[str], option: str = "--set") -> dict[str, Any]:
    """A repeated ``KEY=VALUE`` option as a dict (``envgym.kernel.context.parse_settings``); a malformed
    item, or a key or value a family's settings model refuses (``check_settings``), is a usage
    error naming the option (exit status 2), as for any other bad option value."""
    from envgym.kernel.context import parse_settings
    from envgym.kernel.settings import check_settings
    from envgym.protocol.errors import InvalidRequest

    try:
        settings = parse_settings(items, option)
        if option == "--set":  # --agent-set goes to an agent, which declares no settings model
            check_settings(settings)
        return settings
    except InvalidRequest as exc:
        raise typer.BadParameter(exc.message, param_hint=option) from None


def show_build_progress() -> None:
    """Print image builds step by step on stderr (logger ``envgym.build``: Docker images built for
    tasks, which can take minutes the first time)."""
    import logging

    from rich.logging import RichHandler

    logger = logging.getLogger("envgym.build")
    if not any(isinstance(h, RichHandler) for h in logger.handlers):
        logger.addHandler(RichHandler(console=err_console, show_time=False, show_path=False, show_level=False))
        logger.setLevel(logging.INFO)
        logger.propagate = False
