"""``envgym check ENV --adversary``: the attack battery's tables (per attack, per task) and details."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape

from envgym.adversary.runner import AdversaryReport
from envgym.cli.app import console, new_table

MAX_TASK_ROWS = 60
MAX_DETAILS = 40


def _grade_summary(grade: dict[str, Any]) -> str:
    details = grade.get("details")
    text = json.dumps(details, ensure_ascii=False) if details is not None else ""
    return (
        f"grade: reward={grade.get('reward')} status={grade.get('status')} error={grade.get('error')!r} "
        f"details={text[:600]}"
    )


def print_adversary_report(env: str, report: AdversaryReport, json_out: str | None) -> None:
    columns = ("attack", "tried", "held", "succeeded", "errors", "unconfirmed")
    table = new_table(f"envgym check {env} --adversary ({report.sandbox})", columns, numbers=True, overflow="fold")
    for name, _classes, tried, held, won, errors, unconfirmed in report.rows():
        table.add_row(
            name,
            str(tried),
            str(held),
            f"[red]{won}[/]" if won else "0",
            f"[red]{errors}[/]" if errors else "0",
            f"[yellow]{unconfirmed}[/]" if unconfirmed else "0",
        )
    console.print(table)
    tasks = new_table(
        "per task (tasks with a failed attack first)", ("task", "attacks", "succeeded", "errors"), overflow="fold"
    )
    rows = sorted(report.task_rows(), key=lambda r: (not (r[3] or r[4]), r[0], r[1]))
    for env_name, task_id, attempts, holes, broke in rows[:MAX_TASK_ROWS]:
        tasks.add_row(
            f"{env_name}.{task_id}", str(attempts), escape(", ".join(holes)) or "-", escape(", ".join(broke)) or "-"
        )
    console.print(tasks)
    if len(rows) > MAX_TASK_ROWS:
        console.print(f"... and {len(rows) - MAX_TASK_ROWS} more tasks (--json PATH keeps every result)")
    console.print(
        f"{report.tasks_checked} tasks in {len(report.suites)} suite(s), {len(report.results)} attack "
        f"episodes, {report.duration_s:.1f}s; tasks: " + "; ".join(f"{s}: {how}" for s, how in report.sampled.items()),
        highlight=False,
    )
    for skipped in sorted({s.reason for s in report.skipped}):
        console.print(f"[yellow]skipped[/] {escape(skipped)}", highlight=False)
    failures = report.failures()
    for r in failures[:MAX_DETAILS]:
        console.print(
            f"[red]{r.outcome.upper()}[/] {escape(r.env)}.{escape(r.task_id)} {escape(r.attack)}: {escape(r.reason)}",
            highlight=False,
        )
        if r.evidence:
            console.print(f"    evidence: {escape(r.evidence[:400])}", highlight=False)
        if r.reached:
            console.print(f"    the check ran: {escape(', '.join(r.reached))}", highlight=False)
        if r.grade:
            console.print(f"    {escape(_grade_summary(r.grade))}", highlight=False)
    if len(failures) > MAX_DETAILS:
        console.print(f"... and {len(failures) - MAX_DETAILS} more failed attacks")
    if json_out:
        Path(json_out).write_text(json.dumps(report.to_json(), indent=1, ensure_ascii=False, default=str))
        console.print(f"results written to {json_out}")
    if report.tasks_checked == 0:
        console.print("[red]FAIL[/] no tasks were attacked")
    if not report.ok:
        raise typer.Exit(1)
    console.print(f"[green]OK[/] {env}: no attack scored above 0 or ended in an error status")
