"""``envgym eval SUITE``: run an agent over a task suite and write results (see docs/eval.md).

Example:
    $ envgym eval debug/counter --agent openai --model Qwen/Qwen3-8B --base-url http://127.0.0.1:8000/v1 \\
        -n 5 -k 4 --concurrency 16 --out runs/counter-qwen
    $ envgym eval debug/counter --out runs/counter-qwen --resume        # finish a killed run
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any, Optional, cast

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from envgym.cli.app import app, console, fail, failing, new_table, settings_option, show_build_progress
from envgym.cli.check_cmd import skipped_table
from envgym.eval.report import format_number
from envgym.protocol.errors import EnvgymError


def summary_table(summary: dict[str, Any], title: str = "eval summary") -> Table:
    """The headline numbers of a run summary, then one row per category (statuses go in the caption)."""
    k = summary.get("k", 1)
    statuses = ", ".join(f"{s} {n}" for s, n in summary.get("status_counts", {}).items())
    passes = ["pass@1"] + ([f"pass@{k}"] if k != 1 else [])
    columns = ["category", "tasks", "episodes", "reward", "95% CI", *passes, "errors"]
    table = new_table(title, columns, numbers=True, caption=f"episodes by status: {statuses or 'none'}", no_wrap=True)

    def row(name: str, block: dict[str, Any], style: str | None = None) -> None:
        ci = block.get("mean_reward_ci95")
        cells = [
            name,
            str(block.get("tasks")),
            str(block.get("episodes")),
            format_number(block.get("mean_reward")),
            f"{ci[0]:.2f}–{ci[1]:.2f}" if ci else "—",
            *(format_number(block.get(p)) for p in passes),
            str(block.get("errors", 0)),
        ]
        table.add_row(*cells, style=style)

    row("all", summary, style="bold")
    cats = summary.get("per_category", {})
    if len(cats) > 1:
        for name, block in cats.items():
            row(name, block)
    return table


@app.command("eval")
def eval_command(
    suite: str = typer.Argument(
        ...,
        help="environment id: family/suite, family/suite.task, or a family (every "
        "suite, one run directory each under --out)",
    ),
    agent: str = typer.Option("oracle", "--agent", "-a", help="agent plugin: openai, oracle, nop, random, ..."),
    model: Optional[str] = typer.Option(None, "--model", "-m", help="model name sent to the OpenAI-compatible server"),
    base_url: Optional[str] = typer.Option(
        None, "--base-url", help="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1"
    ),
    api_key: Optional[str] = typer.Option(
        None, "--api-key", envvar="OPENAI_API_KEY", help="API key for the model server"
    ),
    tasks: Optional[int] = typer.Option(
        None, "-n", "--tasks", help="run the first N tasks of the suite (default: all)"
    ),
    task_ids: list[str] = typer.Option([], "--task", help="run only this task id (repeatable)"),
    samples: int = typer.Option(1, "-k", "--samples", help="episodes per task (for pass@k)"),
    concurrency: int = typer.Option(8, "-c", "--concurrency", help="episodes in flight at once"),
    out: Optional[Path] = typer.Option(
        None, "--out", "-o", help="run directory (default: runs/<suite>-<agent>-<time>)"
    ),
    server: Optional[str] = typer.Option(
        None, "--server", help="run episodes on this envgym server instead of in-process"
    ),
    token: Optional[str] = typer.Option(None, "--token", envvar="ENVGYM_TOKEN", help="bearer token for --server"),
    ray_address: Optional[str] = typer.Option(
        None,
        "--ray",
        help="play episodes on an envgym.adapters.ray worker pool in this Ray cluster (auto, ray://HOST:10001, HOST:PORT; 'local' starts Ray here)",
    ),
    ray_workers: int = typer.Option(2, "--ray-workers", help="environment workers (Ray actors) for --ray"),
    websocket: bool = typer.Option(
        False, "--websocket", help="with --server: one WebSocket per episode instead of REST calls"
    ),
    resume: bool = typer.Option(False, "--resume", help="continue the run in --out, skipping finished episodes"),
    retry_errors: bool = typer.Option(
        False, "--retry-errors", help="re-run only the episodes of --out that ended in an error status"
    ),
    sandbox: Optional[str] = typer.Option(
        None, "--sandbox", help="sandbox provider for in-process environments (bwrap, process, docker)"
    ),
    settings: list[str] = typer.Option(
        [], "--set", help="KEY=VALUE environment setting (EnvContext.settings), repeatable"
    ),
    agent_settings: list[str] = typer.Option(
        [],
        "--agent-set",
        help="KEY=VALUE agent option (temperature, max_tokens, max_turns, system_prompt, ...), repeatable",
    ),
    max_turns: Optional[int] = typer.Option(None, "--max-turns", help="the agent's limit on model turns per episode"),
    system_prompt: Optional[str] = typer.Option(None, "--system-prompt", help="system prompt for model agents"),
    seed: int = typer.Option(0, "--seed", help="seed of sample i is SEED + i"),
    episode_timeout: Optional[float] = typer.Option(
        None, "--episode-timeout", help="seconds per episode before it ends as timeout"
    ),
    no_progress: bool = typer.Option(False, "--no-progress", help="no live progress bar (logs, CI)"),
    as_json: bool = typer.Option(False, "--json", help="print the summary as JSON instead of a table"),
) -> None:
    """Run an agent over a task suite (or every suite of a family): JSONL records, a summary table and
    summary.json in --out (in --out/SUITE for each suite of a family)."""
    from envgym.eval.runner import EvalConfig, EvalRunner

    show_build_progress()
    if (resume or retry_errors) and out is None:
        raise fail("--resume and --retry-errors need --out (the run directory to continue)")
    if server and (sandbox or settings):
        raise fail(
            "--sandbox and --set configure in-process environments; with --server, set them on the server "
            "(envgym serve --sandbox ... --set KEY=VALUE)"
        )
    if server and ray_address:
        raise fail("--server and --ray are two different places to run episodes; pick one")
    suites = _suites_of_family(suite, server, token)
    if suites and task_ids:
        raise fail(
            f"--task names tasks of one suite, and {suite!r} has {len(suites)}: name the suite too "
            f"(e.g. {suite}/{suites[0]})"
        )
    out = out or Path("runs") / f"{suite.replace('/', '_')}-{agent}-{time.strftime('%Y%m%d-%H%M%S')}"
    agent_config: dict[str, Any] = settings_option(agent_settings, "--agent-set")
    if api_key:
        agent_config.setdefault("api_key", api_key)
    if max_turns is not None:
        agent_config["max_turns"] = max_turns
    if system_prompt is not None:
        agent_config["system_prompt"] = system_prompt
    # A family of several suites is evaluated suite by suite, each in its own run directory under --out
    # (its own records, summary, report and --resume), as `envgym check FAMILY` checks every suite.
    runs = [(f"{suite}/{name}", out / name) for name in suites] if suites else [(suite, out)]
    summaries: dict[str, Any] = {}
    for env_id, run_out in runs:
        config = EvalConfig(
            env=env_id,
            out=run_out,
            agent=agent,
            agent_config=agent_config,
            model=model,
            base_url=base_url,
            tasks=tasks,
            task_ids=task_ids or None,
            samples=samples,
            concurrency=concurrency,
            server=server,
            token=token,
            websocket=websocket,
            resume=resume,
            retry_errors=retry_errors,
            sandbox=sandbox,
            settings=settings_option(settings),
            seed=seed,
            episode_timeout=episode_timeout,
            ray=ray_address,
            ray_workers=ray_workers,
        )
        with failing():
            runner = EvalRunner(config)
            summary = summaries[env_id] = asyncio.run(_run_with_progress(runner, show=not no_progress and not as_json))
        if not as_json:
            _print_summary(summary, env_id, agent, model, run_out)
    if as_json:
        console.print_json(json.dumps(summaries if suites else summaries[suite], default=str))
    elif suites:
        console.print(
            f"{suite}: {len(suites)} suites evaluated, one run directory each under {out}: "
            + ", ".join(f"{env_id} {format_number(s.get('mean_reward'))}" for env_id, s in summaries.items()),
            highlight=False,
        )


def _suites_of_family(env_id: str, server: str | None, token: str | None) -> list[str] | None:
    """The suites of ``env_id`` when it names a whole family of more than one suite, else None."""
    from envgym.protocol.ids import EnvId

    try:
        if EnvId.parse(env_id).suite is not None:
            return None
        if server:  # the server's plugin and settings decide its suites
            from envgym.client import Client

            with Client(server, token=token) as client:
                names = [s.name for s in client.environment(env_id).suites]
        else:
            from envgym.kernel.families import load_family

            names = [s.name for s in load_family(env_id).suites()]
    except EnvgymError:
        return None  # the runner reports the unknown id
    return names if len(names) > 1 else None


def _print_summary(summary: dict[str, Any], env_id: str, agent: str, model: str | None, out: Path) -> None:
    console.print(summary_table(summary, title=f"{env_id} · agent {agent}" + (f" · {model}" if model else "")))
    if summary.get("skipped_tasks"):
        console.print(skipped_table([(s["id"], s["reason"]) for s in summary["skipped_tasks"]]))
    console.print(f"records: {out / 'episodes.jsonl'}   summary: {out / 'summary.json'}   report: envgym report {out}")


async def _run_with_progress(runner: Any, show: bool) -> dict[str, Any]:
    if not show:
        return cast(dict[str, Any], (await runner.run()).summary)
    columns = [
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("success {task.fields[rate]}"),
        TextColumn("errors {task.fields[errors]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    ]
    with Progress(*columns, console=console, transient=False) as bar:
        state: dict[str, Any] = {}

        def on_plan(progress: Any) -> None:
            state["id"] = bar.add_task(runner.cfg.env, total=progress.total, rate="—", errors=0)

        def on_record(record: Any, progress: Any) -> None:
            rate = progress.success_rate
            bar.update(
                state["id"],
                completed=progress.done,
                rate="—" if rate is None else f"{rate:.1%}",
                errors=progress.errors,
            )

        result = await runner.run(on_record=on_record, on_plan=on_plan)
    if result.skipped:
        console.print(f"{result.skipped} episode(s) already finished in {result.out} were kept, {result.ran} run now")
    return cast(dict[str, Any], result.summary)
