"""Rubric grading throughput against the local stand-in judge: cold cache vs warm cache.

Grades every task's reference answer of the rubric family once with an empty verdict cache (every
llm criterion is a real HTTP call to the stand-in) and once more with the cache warm (no calls),
and prints episodes per second, judge calls and wall time side by side. The stand-in answers in
microseconds, so the cold figure is envgym's own overhead per judge call (template, HTTP, parsing),
not what a real model costs.

Run: .venv/bin/python benchmarks/rubric_judge.py [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import time

from envgym.kernel.context import EnvContext
from envgym.protocol import Submission
from envgym_graders.rubric import judge as judge_module
from envgym_graders.rubric.grader import RubricGrader
from envgym_rubric.family import RubricEnvironment
from envgym_rubric.standin_judge import StandinJudge


async def grade_all(tasks, ctx, concurrency: int) -> float:
    limit = asyncio.Semaphore(concurrency)

    async def one(task):
        async with limit:
            grade = await RubricGrader().safe_grade(task, Submission(answer=task.private["reference"]), context=ctx)
            assert grade.status == "ok" and grade.reward == 1.0, (task.id, grade.error)

    started = time.perf_counter()
    await asyncio.gather(*(one(t) for t in tasks))
    return time.perf_counter() - started


async def main(concurrency: int) -> None:
    tasks = [t for s in RubricEnvironment.suites() for t in RubricEnvironment.tasks(s.name)]
    async with StandinJudge() as server:
        ctx = EnvContext(
            sandbox="process",
            settings={
                "rubric.judge_base_url": server.base_url,
                "rubric.judge_model": "standin",
                "rubric.judge_concurrency": concurrency,
            },
        )
        judge_module._JUDGES.clear()
        cold = await grade_all(tasks, ctx, concurrency)
        cold_calls = len(server.requests)
        warm = await grade_all(tasks, ctx, concurrency)
        warm_calls = len(server.requests) - cold_calls
        await ctx.aclose()
    print(
        f"rubric family, {len(tasks)} reference answers, grading concurrency {concurrency}, process sandbox for python checks"
    )
    print(f"{'':<12}{'wall s':>10}{'answers/s':>12}{'judge calls':>14}")
    print(f"{'cold cache':<12}{cold:>10.2f}{len(tasks) / cold:>12.1f}{cold_calls:>14}")
    print(f"{'warm cache':<12}{warm:>10.2f}{len(tasks) / warm:>12.1f}{warm_calls:>14}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--concurrency", type=int, default=8)
    asyncio.run(main(parser.parse_args().concurrency))
