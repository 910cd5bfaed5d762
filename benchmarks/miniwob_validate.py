"""Validate the MiniWoB reference solutions: per task, the oracle's rewards and the do-nothing
agent's over several seeds, through the ordinary environment interface.

    .venv/bin/python benchmarks/miniwob_validate.py                       # every task with a solution, seeds 0-4
    .venv/bin/python benchmarks/miniwob_validate.py --seeds 0 1 2 --tasks click-menu book-flight
    .venv/bin/python benchmarks/miniwob_validate.py --json results.json

A task passes when the oracle's mean reward over the seeds is at least 0.95 and every do-nothing
episode scores 0 without an error status. Prints one line per task as it finishes, then a summary
and the tasks without a reference solution; exits 1 when any task fails.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time

from envgym_web import miniwob
from envgym_web.miniwob_solvers import SOLVERS
from envgym_web.miniwob_solvers.validate import CAPPED, NOTES, ORACLE_MIN, TaskResult, validate


def table(results: list[TaskResult], included: set[str]) -> str:
    """The validated-task table of docs/web.md: one row per included task."""
    by_task = {r.task: r for r in results}
    rows = ["| task | seeds | oracle mean | do-nothing | validated | notes |", "| --- | --- | --- | --- | --- | --- |"]
    for task in sorted(included):
        r = by_task.get(task)
        if r is None:
            note = "no reference solution: " + miniwob.UNSOLVED.get(task, "not run")
            rows.append(f"| `{task}` | - | - | - | no | {note.replace('<', '&lt;')} |")
            continue
        seeds = (
            f"{r.seeds[0]}-{r.seeds[-1]}"
            if r.seeds == list(range(r.seeds[0], r.seeds[-1] + 1))
            else ", ".join(map(str, r.seeds))
        )
        nop = f"{sum(r.nop) / len(r.nop):.2f}" if r.nop else "not run"
        note = CAPPED[task][1] if task in CAPPED else NOTES.get(task, "")
        status = "yes" if r.ok else "no (capped)" if task in CAPPED else "no"
        rows.append(f"| `{task}` | {seeds} | {r.oracle_mean:.2f} | {nop} | {status} | {note.replace('<', '&lt;')} |")
    return "\n".join(rows) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", nargs="*", help="task names (default: every included task with a solution)")
    parser.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--no-nop", action="store_true", help="skip the do-nothing episodes")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument(
        "--markdown", help="also write docs/web.md's validated-task table (rows for every task) to this file"
    )
    args = parser.parse_args()

    included = {t.id for t in miniwob.miniwob_tasks()}
    tasks = args.tasks or sorted(t for t in SOLVERS if t in included)
    unknown = [t for t in tasks if t not in included or t not in SOLVERS]
    if unknown:
        parser.error(f"not an included task with a reference solution: {', '.join(unknown)}")

    def show(r: TaskResult) -> None:
        nop = "-" if args.no_nop else f"{sum(r.nop) / len(r.nop):.2f}"
        status = "ok  " if r.ok else "cap " if r.task in CAPPED else "FAIL"
        print(
            f"{status} {r.task:<32} oracle {r.oracle_mean:.2f} "
            f"({sum(x == 1.0 for x in r.oracle)}/{len(r.seeds)})  nop {nop}  {r.seconds:6.1f}s",
            flush=True,
        )
        for failure in r.failures:
            print(f"       {failure}", flush=True)

    started = time.monotonic()
    load = os.getloadavg()[0]
    results = asyncio.run(
        validate(tasks, args.seeds, concurrency=args.concurrency, nop=not args.no_nop, on_result=show)
    )
    wall = time.monotonic() - started
    passed = [r for r in results if r.ok]
    capped = [r for r in results if not r.ok and r.task in CAPPED]
    for r in capped:
        print(
            f"capped: {r.task} oracle mean {r.oracle_mean:.2f} (best play: about {CAPPED[r.task][0]:.2f}): {CAPPED[r.task][1]}"
        )
    print(
        f"\n{len(passed)}/{len(results)} tasks validated (oracle mean >= {ORACLE_MIN}, nop 0) over seeds "
        f"{args.seeds} in {wall:.0f}s, concurrency {args.concurrency}, load average {load:.1f} -> {os.getloadavg()[0]:.1f}"
    )
    if not args.tasks:
        missing = sorted(included - set(SOLVERS))
        print(f"{len(included)} tasks included; {len(missing)} without a reference solution:")
        for task in missing:
            print(f"  {task}: {miniwob.UNSOLVED.get(task, 'no reason recorded')}")
    if args.markdown:
        with open(args.markdown, "w") as fh:
            fh.write(table(results, included))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(
                [
                    {
                        "task": r.task,
                        "seeds": r.seeds,
                        "oracle": r.oracle,
                        "nop": r.nop,
                        "failures": r.failures,
                        "seconds": round(r.seconds, 1),
                        "ok": r.ok,
                    }
                    for r in results
                ],
                fh,
                indent=1,
            )
    return 0 if len(passed) + len(capped) == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
