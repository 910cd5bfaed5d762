"""``envgym demo``: the end-to-end tour with embedded defaults (no arguments needed).

It starts ``envgym serve`` on a free loopback port in a subprocess, runs a few tasks of each
installed environment family through that server with the ``oracle`` agent (must score 1) and the
``nop`` agent (must score 0), prints a results table, and stops everything it started. Families
that are not installed are skipped with a note. For the rubric family it starts the family's
STAND-IN judge (deterministic keyword matching, not a real judge) in this process and hands its
URL to the server with ``--set``. Exit status 0 means every oracle scored 1, every nop 0, and no
episode errored.

Example:
    $ envgym demo
    $ envgym demo --tasks 1 --only debug,reasoning --out runs/demo
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any, Optional

import typer
from rich.table import Table

from envgym import registry
from envgym.cli.app import app, console, fail
from envgym.errors import EnvgymError

# (family, preferred suite, tasks): the preferred suite falls back to the family's default suite
# when a plugin version no longer has it.
DEMO_SUITES: list[tuple[str, str | None, int]] = [
    ("debug", "echo", 3),
    ("debug", "counter", 3),
    ("reasoning", "basic_arithmetic", 2),
    ("reasoning", "spell_backward", 2),
    ("coding", "humaneval", 2),
    ("terminal", "core", 2),
    ("rubric", "explanation", 2),
    ("web", "shop", 2),
]
AGENTS = ("oracle", "nop")


def _installed_families() -> set[str]:
    return {p.name for p in registry.list_plugins("environments")}


def plan_suites(only: set[str] | None, tasks: int | None) -> tuple[list[tuple[str, int]], list[str]]:
    """(env ids with task counts to run, notes about what is skipped)."""
    from envgym.envs import load_family

    installed = _installed_families()
    runs, notes, seen_missing = [], [], set()
    for family, suite, n in DEMO_SUITES:
        if only and family not in only:
            continue
        if family not in installed:
            if family not in seen_missing:
                notes.append(f"skipped {family}: the envgym-{family} plugin is not installed")
                seen_missing.add(family)
            continue
        try:
            cls = load_family(family)
            suites = [s.name for s in cls.suites()]
        except EnvgymError as exc:
            notes.append(f"skipped {family}: the plugin failed to load ({exc.message})")
            continue
        chosen = suite if suite in suites else suites[0]
        env_id = f"{family}/{chosen}"
        if env_id not in [r[0] for r in runs]:
            runs.append((env_id, tasks or n))
    return runs, notes


def _start_judge(notes: list[str]) -> tuple[Any, list[str]]:
    """The rubric family's stand-in judge, in-process, and the server settings that point at it."""
    try:
        from envgym_rubric.standin_judge import MODEL_NAME, StandinJudge
    except ImportError as exc:
        notes.append(f"rubric: stand-in judge unavailable ({exc}); rubric episodes will end grader_error")
        return None, []
    judge = StandinJudge().start()
    notes.append(f"rubric: graded by the STAND-IN judge at {judge.base_url} (keyword matching for demos, not a real judge)")
    return judge, ["--set", f"rubric.judge_base_url={judge.base_url}", "--set", f"rubric.judge_model={MODEL_NAME}"]


@app.command("demo")
def demo_command(
    tasks: Optional[int] = typer.Option(None, "--tasks", "-n", help="tasks per suite (default: 2-3 per suite)"),
    only: Optional[str] = typer.Option(None, "--only", help="comma-separated families to include (default: every installed one)"),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="where to keep the run directories (default: runs/demo-<time>)"),
    sandbox: Optional[str] = typer.Option(None, "--sandbox", help="sandbox provider for the server (default: the server's, bwrap)"),
    concurrency: int = typer.Option(4, "-c", "--concurrency", help="episodes in flight per suite"),
) -> None:
    """Start a server, run oracle and nop over a few tasks of every installed family, print the results."""
    from envgym.eval.runner import EvalConfig, EvalRunner
    from envgym.eval.server_process import ServerProcess, ServerStartError

    started = time.monotonic()
    runs, notes = plan_suites(set(only.split(",")) if only else None, tasks)
    if not runs:
        raise fail("nothing to run: none of the demo families is installed (" + "; ".join(notes) + ")")
    out = out or Path("runs") / f"demo-{time.strftime('%Y%m%d-%H%M%S')}"
    judge, judge_args = _start_judge(notes) if any(env.startswith("rubric/") for env, _ in runs) else (None, [])
    server_args = judge_args + (["--sandbox", sandbox] if sandbox else [])
    results: list[dict[str, Any]] = []
    server = ServerProcess(server_args)
    try:
        console.print(f"[bold]envgym demo[/]: starting `envgym serve` on {server.url} ...")
        try:
            server.start()
        except ServerStartError as exc:
            raise fail(exc.message)
        for note in notes:
            console.print(f"[yellow]note:[/] {note}")
        for env_id, n in runs:
            row: dict[str, Any] = {"env": env_id}
            for agent in AGENTS:
                t0 = time.monotonic()
                cfg = EvalConfig(env=env_id, agent=agent, out=out / f"{env_id.replace('/', '_')}-{agent}", tasks=n,
                                 server=server.url, concurrency=concurrency)
                try:
                    result = asyncio.run(EvalRunner(cfg).run())
                    summary = result.summary
                    errors = [r for r in result.records if r.status.is_error]
                    if errors:
                        summary["first_error"] = f"{errors[0].status.value}: {(errors[0].error or {}).get('message', '?')}"
                except EnvgymError as exc:
                    summary = {"failed": exc.message}
                summary["seconds"] = time.monotonic() - t0
                row[agent] = summary
                console.print(f"  {env_id:<28} {agent:<6} " + _short(summary))
            results.append(row)
    finally:
        server.stop()
        if judge is not None:
            judge.stop()
    ok = _print_table(results)
    console.print(f"runs saved in {out} (try: envgym report {out / (results[0]['env'].replace('/', '_') + '-oracle')}) · "
                  f"{time.monotonic() - started:.0f} s in all; server stopped")
    if not ok:
        raise typer.Exit(1)


def _short(summary: dict[str, Any]) -> str:
    if "failed" in summary:
        return f"[red]failed: {summary['failed']}[/]"
    reward = summary.get("mean_reward")
    return (f"reward {'—' if reward is None else f'{reward:.2f}'} ({summary.get('episodes')} ep, "
            f"{summary.get('errors')} err) {summary['seconds']:.1f} s")


def _expected(summary: dict[str, Any], value: float) -> bool:
    return "failed" not in summary and summary.get("errors") == 0 and summary.get("mean_reward") == value


def _print_table(results: list[dict[str, Any]]) -> bool:
    table = Table(title="envgym demo · mean reward through the HTTP server", caption="oracle must score 1 and nop 0, with no errors")
    for col in ("environment", "tasks", "oracle", "nop", "errors", "seconds", "ok"):
        table.add_column(col, justify="left" if col in ("environment", "ok") else "right", no_wrap=True)
    all_ok = True
    for row in results:
        o, z = row["oracle"], row["nop"]
        ok = _expected(o, 1.0) and _expected(z, 0.0)
        all_ok &= ok

        def cell(s: dict[str, Any]) -> str:
            if "failed" in s:
                return "failed"
            return "—" if s.get("mean_reward") is None else f"{s['mean_reward']:.2f}"

        errors = sum(s.get("errors", 0) for s in (o, z) if "failed" not in s)
        table.add_row(row["env"], str(o.get("tasks", "—")), cell(o), cell(z), str(errors),
                      f"{o['seconds'] + z['seconds']:.1f}", "[green]✓[/]" if ok else "[red]✗[/]")
    console.print(table)
    for row in results:
        for agent in AGENTS:
            problem = row[agent].get("failed") or row[agent].get("first_error")
            if problem:
                console.print(f"[red]{row['env']} ({agent}):[/] {problem[:300]}")
    return all_ok
