"""``envgym report DIR``, ``envgym compare DIR_A DIR_B`` and ``envgym regrade DIR`` (see docs/eval.md).

Example:
    $ envgym report runs/counter-qwen            # writes runs/counter-qwen/report.html
    $ envgym compare runs/counter-qwen runs/counter-llama
    $ envgym regrade runs/rubric-qwen --set judge_base_url=http://127.0.0.1:8001/v1
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any, Optional

import typer

from envgym.cli.app import app, console, failing, new_table, settings_option
from envgym.cli.eval_cmd import summary_table
from envgym.eval.report import format_number


@app.command("report")
def report_command(
    run_dir: Path = typer.Argument(..., help="an eval run directory (holds episodes.jsonl)"),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="HTML file to write (default: RUN_DIR/report.html)"),
) -> None:
    """Write a self-contained HTML report: summary, charts, per-task table, every transcript."""
    from envgym.eval.report import write_report

    with failing():
        path = write_report(run_dir, out)
    console.print(f"report: {path} ({path.stat().st_size // 1024} KiB; open it in any browser, no network needed)")


@app.command("compare")
def compare_command(
    dir_a: Path = typer.Argument(..., help="baseline run directory"),
    dir_b: Path = typer.Argument(..., help="run to compare against the baseline"),
    show: int = typer.Option(15, "--show", help="list this many tasks with the largest differences"),
    as_json: bool = typer.Option(False, "--json", help="print the full comparison as JSON"),
) -> None:
    """Compare two runs task by task: wins/losses, sign test and paired bootstrap of the difference."""
    from envgym.eval.compare import compare_runs

    with failing():
        result = compare_runs(dir_a, dir_b)
    if as_json:
        console.print_json(json.dumps(result, default=str))
        return
    a, b, boot = result["a"], result["b"], result["bootstrap"]
    k = max(a.get("k", 1), b.get("k", 1))
    table = new_table(f"A = {dir_a}   B = {dir_b}", ("", "A", "B", "B − A"), numbers=True)
    for key in ["mean_reward", "pass@1"] + ([f"pass@{k}"] if k != 1 else []):
        x, y = a.get(key), b.get(key)
        table.add_row(key, format_number(x), format_number(y), "—" if x is None or y is None else f"{y - x:+.3f}")
    for key in ("tasks", "episodes", "errors"):
        table.add_row(key, str(a.get(key)), str(b.get(key)), "")
    console.print(table)
    ci = boot["ci95"]
    console.print(
        f"paired tasks {result['paired_tasks']} (unpaired {result['unpaired_tasks']}): "
        f"B wins {result['wins']}, loses {result['losses']}, ties {result['ties']}"
    )
    console.print(
        f"sign test p = {result['sign_test_p']:.4g};  paired bootstrap: mean difference "
        f"{format_number(boot['mean_diff'])}, 95% CI "
        + (f"[{ci[0]:+.3f}, {ci[1]:+.3f}]" if ci else "—")
        + _bootstrap_p(boot)
    )
    changed = sorted((t for t in result["per_task"] if t["outcome"] != "tie"), key=lambda t: -abs(t["diff"]))[:show]
    if changed:
        per = new_table("largest per-task differences", ("task", "A", "B", "B − A"), numbers=True)
        for t in changed:
            per.add_row(t["task_id"], format_number(t["a"]), format_number(t["b"]), f"{t['diff']:+.3f}")
        console.print(per)


def _bootstrap_p(boot: dict[str, Any]) -> str:
    p = boot.get("p_value")
    if p is None:
        return ""
    # No resample crossed zero: the p-value is below the resolution of the bootstrap.
    return f", p < {1 / boot['resamples']:.0e}" if p == 0 else f", p = {p:.4g}"


@app.command("regrade")
def regrade_command(
    run_dir: Path = typer.Argument(..., help="an eval run directory"),
    out: Optional[Path] = typer.Option(
        None, "--out", "-o", help="where to write the regraded run (default: RUN_DIR/regraded)"
    ),
    sandbox: Optional[str] = typer.Option(
        None, "--sandbox", help="sandbox provider for the replays (default: the run's)"
    ),
    settings: list[str] = typer.Option(
        [], "--set", help="KEY=VALUE environment setting, e.g. a new judge URL (repeatable)"
    ),
    concurrency: int = typer.Option(4, "-c", "--concurrency", help="replays at once"),
) -> None:
    """Re-grade saved episodes with the current graders by replaying their actions (no model calls)."""
    from envgym.eval.regrade import regrade_run

    with failing():
        result = asyncio.run(
            regrade_run(
                run_dir,
                out,
                sandbox=sandbox,
                settings=settings_option(settings),
                concurrency=concurrency,
            )
        )
    console.print(summary_table(result.summary, title=f"regraded {run_dir}"))
    counts = result.counts
    console.print(
        f"regraded {counts.get('regraded', 0)} episode(s), {counts.get('changed', 0)} changed; "
        f"not regraded {counts.get('not_regraded', 0)}"
    )
    for reason, n in result.summary.get("not_regraded_reasons", {}).items():
        console.print(f"  not regraded ({n}): {reason}")
    console.print(f"written to {result.out}  (compare: envgym compare {run_dir} {result.out})")
