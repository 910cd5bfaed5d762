"""``envgym check ENV``: run the conformance kit (``envgym.testing``) and exit non-zero on any failure."""

from __future__ import annotations

from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from envgym.cli.app import app, console, fail, failing, new_table, settings_option, show_build_progress


def skipped_table(skipped: list[tuple[str, str]]) -> Table:
    """The tasks that were not run here and why (``Environment.skipped_tasks``): (task id, reason) pairs."""
    table = new_table(f"skipped: {len(skipped)} task(s) that cannot run here", ("task", "reason"), overflow="fold")
    for task_id, reason in skipped:
        table.add_row(escape(task_id), escape(reason))
    return table


@app.command("check")
def check_command(
    env: str = typer.Argument(..., help="a family (every suite), family/suite, or family/suite.task"),
    sandbox: str = typer.Option(None, "--sandbox", help="sandbox provider for the episodes (default: bwrap)"),
    limit: int = typer.Option(None, "--limit", min=1, help="check at most N tasks per suite"),
    concurrency: int = typer.Option(4, "--concurrency", min=1, help="episodes run at once"),
    settings: list[str] = typer.Option([], "--set", help="KEY=VALUE setting passed to the environment (repeatable)"),
    adversary: bool = typer.Option(
        False,
        "--adversary",
        help="attack every task instead (docs/adversary.md): fails if "
        "any attack scores above 0 or ends in an error status",
    ),
    attacks: str = typer.Option(None, "--attacks", help="with --adversary: only these attack classes (comma list)"),
    sample: int = typer.Option(None, "--sample", min=1, help="with --adversary: a seeded random N tasks per suite"),
    slow_sample: int = typer.Option(
        None, "--slow-sample", min=0, help="with --adversary: slow attacks (verifier timeouts) on at most N of them"
    ),
    seed: int = typer.Option(0, "--seed", help="with --adversary: the sample's seed"),
    json_out: str = typer.Option(None, "--json", help="with --adversary: write every result to this JSON file"),
) -> None:
    """Check an environment plugin: JSON round trips, tool schemas, statuses, oracle scores 1 on
    every task, nop scores 0, and close releases every sandbox and process. With --adversary,
    attack every task instead."""
    from envgym.kernel.context import EnvContext
    from envgym.testing import check_adversary, check_environment

    show_build_progress()
    context = EnvContext(sandbox=sandbox or "bwrap", settings=settings_option(settings))
    if not adversary and any(v is not None for v in (attacks, sample, slow_sample, json_out)):
        raise fail("--attacks, --sample, --slow-sample and --json go with --adversary")
    common: dict[str, Any] = {
        "limit": limit,
        "context": context,
        "concurrency": concurrency,
        "progress": console.is_terminal,
    }
    with failing():
        if adversary:
            from envgym.cli.adversary_cmd import print_adversary_report

            attacked = check_adversary(
                env, sample=sample, slow_sample=slow_sample, seed=seed, attacks=attacks, **common
            )
            return print_adversary_report(env, attacked, json_out)
        report = check_environment(env, **common)
    table = new_table(f"envgym check {env}", ("check", "passed", "failed"), numbers=True)
    for check, passed, failed in report.rows():
        table.add_row(check, str(passed), f"[red]{failed}[/]" if failed else "0")
    console.print(table)
    if report.skipped:
        console.print(skipped_table([(s.id, s.reason) for s in report.skipped]))
    console.print(
        f"{report.tasks_checked} tasks in {len(report.suites)} suite(s) ({', '.join(report.suites)}), "
        f"{report.duration_s:.1f}s",
        highlight=False,
    )
    for failure in report.failures[:200]:
        console.print(f"[red]FAIL[/] {escape(str(failure))}", highlight=False)
    if len(report.failures) > 200:
        console.print(f"... and {len(report.failures) - 200} more failures")
    if report.tasks_checked == 0:
        console.print("[red]FAIL[/] no tasks were checked")
    if not report.ok:
        raise typer.Exit(1)
    console.print(f"[green]OK[/] {env} passes every check")
