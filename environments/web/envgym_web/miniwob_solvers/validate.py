"""Validating the MiniWoB reference solutions: oracle and do-nothing episodes over several seeds.

Each episode runs through the ordinary environment interface (``WebEnvironment`` + ``run_episode``
with ``OracleAgent`` or ``NopAgent``): the oracle sees the same observations and has the same tools
as any agent. A task is validated when the oracle's mean reward is at least ``ORACLE_MIN`` over the
seeds and every do-nothing episode scores 0 without an error status.

Example:
    >>> results = asyncio.run(validate(["click-test"], seeds=[0, 1]))   # doctest: +SKIP
    >>> results[0].ok   # doctest: +SKIP
    True
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

from envgym.agents.builtin import NopAgent, OracleAgent
from envgym.agents.loop import EpisodeRecord, run_episode
from envgym.kernel.context import EnvContext
from envgym.protocol import EpisodeStatus
from envgym_web.environment import WebEnvironment

ORACLE_MIN = 0.95
# Tasks whose reference solution depends on timing the machine may not give it (a saturated CI
# runner): allowed to fail in CI's full check, with the reason in NOTES.
TIMING = frozenset({"button-delay", "simon-says"})
# What the validated-task table says about a task besides its numbers (docs/web.md).
NOTES: dict[str, str] = {
    "button-delay": "timing: the second click must come 1-3 s after the first within 15 %; on a saturated machine "
    "the clicks' own latency can exceed that",
    "simon-says": "timing: the reference solution must see each button light up (250 ms each); it waits on the "
    "change itself, but on a saturated machine the first blink can pass before the first step",
    **{
        t: "when the target is the menu item selected at start (1 in 4-8 episodes), Chromium delivers mouse events "
        "at its position to the <svg> root although elementFromPoint finds the item; that item cannot be clicked"
        for t in ("click-pie", "click-pie-nodelay")
    },
    "circle-center": "continuous score; success = raw >= 0.9 (miniwob.SUCCESS_THRESHOLD)",
    "find-midpoint": "continuous score; success = raw >= 0.85",
    "right-angle": "continuous score; success = raw >= 0.95",
    "bisect-angle": "continuous score; success = raw >= 0.9",
    "number-checkboxes": "the digit's pattern is shown only as an image; the reference solution carries the images' "
    "patterns (an agent reads the screenshot)",
    "click-checkboxes-soft": "needs synonyms; the reference solution carries a small thesaurus",
}
# Tasks where the best possible play cannot reach ORACLE_MIN: task -> (expected oracle mean, why).
# Their solvers play that best strategy; validation reports them apart from the validated tasks.
CAPPED: dict[str, tuple[float, str]] = {
    "tic-tac-toe": (
        0.85,
        "the page's opponent moves first on 49% of the episodes and plays its winning or blocking "
        "square 45% of the time; the best strategy against it (expectimax over its known policy) "
        "wins 85% of games, and a draw or a loss scores 0",
    ),
}


@dataclass
class TaskResult:
    task: str
    seeds: list[int]
    oracle: list[float] = field(default_factory=list)
    nop: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # "seed N: why" for each failed oracle or nop episode
    seconds: float = 0.0

    @property
    def oracle_mean(self) -> float:
        return sum(self.oracle) / len(self.oracle) if self.oracle else 0.0

    @property
    def ok(self) -> bool:
        nop_ok = all(r == 0.0 for r in self.nop) and not any(f.startswith("nop") for f in self.failures)
        return len(self.oracle) == len(self.seeds) and self.oracle_mean >= ORACLE_MIN and nop_ok


def _why(record: EpisodeRecord) -> str:
    if record.error:
        return f"{record.status.value}: {record.error.get('message', '')}".splitlines()[0][:300]
    details = record.grade.details if record.grade else {}
    errors = [
        line
        for m in record.messages
        for line in m.text().splitlines()
        if line.startswith(("Error:", "Last action error:"))
    ]
    last = f"; last error: {errors[-1][:200]}" if errors else ""
    return f"reward {record.reward:g} (raw {details.get('raw_reward')}, {details.get('reason')}), {record.turns} turns{last}"


async def _episode(context: EnvContext, task_id: str, seed: int, nop: bool) -> EpisodeRecord:
    task = WebEnvironment.get_task("miniwob", task_id)
    agent = NopAgent() if nop else OracleAgent()
    return await run_episode(WebEnvironment("miniwob", context=context), agent, task, WebEnvironment, seed=seed)


async def validate(
    task_ids: Sequence[str],
    seeds: Sequence[int],
    *,
    concurrency: int = 2,
    nop: bool = True,
    context: EnvContext | None = None,
    on_result: Callable[[TaskResult], None] | None = None,
) -> list[TaskResult]:
    """Run the oracle (and, with ``nop``, the do-nothing agent) on every task for every seed."""
    ctx = context or EnvContext(sandbox="process")
    limiter = asyncio.Semaphore(max(1, concurrency))

    async def one(result: TaskResult, seed: int, is_nop: bool) -> None:
        async with limiter:
            record = await _episode(ctx, result.task, seed, is_nop)
        good = (
            (record.reward == 0.0 and not record.status.is_error)
            if is_nop
            else (record.reward == 1.0 and record.status is EpisodeStatus.completed)
        )
        (result.nop if is_nop else result.oracle).append(record.reward)
        if not good:
            result.failures.append(f"{'nop' if is_nop else 'oracle'} seed {seed}: {_why(record)}")

    async def task(task_id: str) -> TaskResult:
        result = TaskResult(task_id, list(seeds))
        started = time.monotonic()
        jobs = [one(result, s, False) for s in seeds] + ([one(result, s, True) for s in seeds] if nop else [])
        await asyncio.gather(*jobs)
        result.seconds = time.monotonic() - started
        if on_result is not None:
            on_result(result)
        return result

    try:
        return list(await asyncio.gather(*(task(t) for t in task_ids)))
    finally:
        if context is None:
            await ctx.aclose()
