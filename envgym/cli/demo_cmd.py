"""``envgym demo``: the end-to-end tour with embedded defaults (no arguments needed).

It starts ``envgym serve`` on a free loopback port in a subprocess, runs the suites each installed
environment family names in ``Environment.demo_suites()`` through that server with the ``oracle``
agent (must score 1) and the ``nop`` agent (must score 0), prints a results table, and stops
everything it started. A family's ``demo_setup()`` runs around the server and may hand it settings
(the rubric family starts its STAND-IN judge there and points the server at it with ``--set``).
Exit status 0 means every oracle scored 1, every nop 0, and no episode errored.

Example:
    $ envgym demo
    $ envgym demo --tasks 1 --only debug,reasoning --out runs/demo
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import typer

from envgym.cli.app import app, console, fail, new_table
from envgym.kernel import registry
from envgym.kernel.context import format_setting
from envgym.kernel.environment import Environment
from envgym.protocol.errors import EnvgymError

AGENTS = ("oracle", "nop")


@dataclass
class DemoPlan:
    runs: list[tuple[str, int]] = field(default_factory=list)  # (env id, tasks)
    notes: list[str] = field(default_factory=list)  # what is skipped and why
    families: list[type[Environment]] = field(default_factory=list)  # whose demo_setup() to enter


def plan_suites(only: set[str] | None, tasks: int | None) -> DemoPlan:
    """The suites to run: each installed family's ``demo_suites()`` (all families, or those in ``only``)."""
    from envgym.kernel.families import load_family

    installed = [p.name for p in registry.list_plugins("environments")]
    plan = DemoPlan()
    for family in sorted(only - set(installed)) if only else []:
        plan.notes.append(f"skipped {family}: no environment plugin of that name is installed")
    for family in installed:
        if only and family not in only:
            continue
        try:
            cls = load_family(family)
            suites = {s.name for s in cls.suites()}
            chosen = cls.demo_suites()
        except EnvgymError as exc:
            plan.notes.append(f"skipped {family}: the plugin failed to load ({exc.message})")
            continue
        if not chosen:
            plan.notes.append(f"skipped {family}: the family offers no demo suite")
            continue
        for suite, n in chosen:
            if suite not in suites:
                plan.notes.append(f"skipped {family}/{suite}: demo_suites() names a suite the family does not have")
                continue
            plan.runs.append((f"{family}/{suite}", tasks or n))
        if any(env.startswith(family + "/") for env, _ in plan.runs):
            plan.families.append(cls)
    return plan


def _enter_setups(stack: contextlib.ExitStack, plan: DemoPlan) -> list[str]:
    """Enter every planned family's ``demo_setup()``; the server arguments their settings ask for."""
    args: list[str] = []
    for cls in plan.families:
        try:
            setup = stack.enter_context(cls.demo_setup())
        except Exception as exc:  # noqa: BLE001 — the family's episodes then fail visibly in the table
            plan.notes.append(f"{cls.family}: demo setup failed ({type(exc).__name__}: {exc}); its episodes may error")
            continue
        if setup.note:
            plan.notes.append(f"{cls.family}: {setup.note}")
        for key, value in setup.settings.items():
            args += ["--set", format_setting(key, value)]
    return args


@app.command("demo")
def demo_command(
    tasks: Optional[int] = typer.Option(None, "--tasks", "-n", help="tasks per suite (default: 2-3 per suite)"),
    only: Optional[str] = typer.Option(
        None, "--only", help="comma-separated families to include (default: every installed one)"
    ),
    out: Optional[Path] = typer.Option(
        None, "--out", "-o", help="where to keep the run directories (default: runs/demo-<time>)"
    ),
    sandbox: Optional[str] = typer.Option(
        None, "--sandbox", help="sandbox provider for the server (default: the server's, bwrap)"
    ),
    concurrency: int = typer.Option(4, "-c", "--concurrency", help="episodes in flight per suite"),
) -> None:
    """Start a server, run oracle and nop over a few tasks of every installed family, print the results."""
    from envgym.eval.runner import EvalConfig, EvalRunner
    from envgym.eval.server_process import ServerProcess, ServerStartError

    started = time.monotonic()
    plan = plan_suites(set(only.split(",")) if only else None, tasks)
    if not plan.runs:
        raise fail("nothing to run: no installed family offers a demo suite (" + "; ".join(plan.notes) + ")")
    out = out or Path("runs") / f"demo-{time.strftime('%Y%m%d-%H%M%S')}"
    results: list[dict[str, Any]] = []
    with contextlib.ExitStack() as stack:  # unwinds in reverse: the server stops before the families' services
        server = ServerProcess(_enter_setups(stack, plan) + (["--sandbox", sandbox] if sandbox else []))
        stack.callback(server.stop)
        console.print(f"[bold]envgym demo[/]: starting `envgym serve` on {server.url} ...")
        try:
            server.start()
        except ServerStartError as exc:
            raise fail(exc.message)
        for note in plan.notes:
            console.print(f"[yellow]note:[/] {note}")
        for env_id, n in plan.runs:
            row: dict[str, Any] = {"env": env_id}
            for agent in AGENTS:
                t0 = time.monotonic()
                cfg = EvalConfig(
                    env=env_id,
                    agent=agent,
                    out=out / f"{env_id.replace('/', '_')}-{agent}",
                    tasks=n,
                    server=server.url,
                    concurrency=concurrency,
                )
                try:
                    result = asyncio.run(EvalRunner(cfg).run())
                    summary = result.summary
                    error = next((r for r in result.records if r.status.is_error), None)
                    if error is not None:
                        summary["first_error"] = f"{error.status.value}: {(error.error or {}).get('message', '?')}"
                except EnvgymError as exc:
                    summary = {"failed": exc.message}
                summary["seconds"] = time.monotonic() - t0
                row[agent] = summary
                console.print(f"  {env_id:<28} {agent:<6} " + _short(summary))
            results.append(row)
    ok = _print_table(results)
    console.print(
        f"runs saved in {out} (try: envgym report {out / (results[0]['env'].replace('/', '_') + '-oracle')}) · "
        f"{time.monotonic() - started:.0f} s in all; server stopped"
    )
    if not ok:
        raise typer.Exit(1)


def _reward(summary: dict[str, Any]) -> str:
    if "failed" in summary:
        return "failed"
    return "—" if summary.get("mean_reward") is None else f"{summary['mean_reward']:.2f}"


def _short(summary: dict[str, Any]) -> str:
    if "failed" in summary:
        return f"[red]failed: {summary['failed']}[/]"
    return (
        f"reward {_reward(summary)} ({summary.get('episodes')} ep, "
        f"{summary.get('errors')} err) {summary['seconds']:.1f} s"
    )


def _expected(summary: dict[str, Any], value: float) -> bool:
    return "failed" not in summary and summary.get("errors") == 0 and summary.get("mean_reward") == value


def _print_table(results: list[dict[str, Any]]) -> bool:
    table = new_table(
        "envgym demo · mean reward through the HTTP server",
        ("environment", "tasks", "oracle", "nop", "errors", "seconds", "ok"),
        numbers=True,
        caption="oracle must score 1 and nop 0, with no errors",
        no_wrap=True,
    )
    all_ok = True
    for row in results:
        o, z = row["oracle"], row["nop"]
        ok = _expected(o, 1.0) and _expected(z, 0.0)
        all_ok &= ok
        errors = sum(s.get("errors", 0) for s in (o, z) if "failed" not in s)
        table.add_row(
            row["env"],
            str(o.get("tasks", "—")),
            _reward(o),
            _reward(z),
            str(errors),
            f"{o['seconds'] + z['seconds']:.1f}",
            "[green]✓[/]" if ok else "[red]✗[/]",
        )
    console.print(table)
    for row in results:
        for agent in AGENTS:
            problem = row[agent].get("failed") or row[agent].get("first_error")
            if problem:
                console.print(f"[red]{row['env']} ({agent}):[/] {problem[:300]}")
    return all_ok
