"""swe family timings: reset and grading per instance, side by side with running the same tests by hand.

For each instance (its image already built, so the figures are for a cached image), interleaved:

* ``reset``  — ``SweEnvironment.reset``: container start, chown of the repository to the agent's
  user, base-commit check (with and without the provider's warm pool; ``--warm-pool``);
* ``grade``  — ``submit`` after the reference fix: kill, diff read with hardened git, agent container
  closed, fresh verifier container, diff + test patch applied, protected files restored, tests run,
  log parsed;
* ``by hand`` — what a person would type: ``docker run --rm --network none IMAGE bash -c 'cd
  /testbed && git apply fix && git apply test_patch && TESTS'`` with the same patches (the SWE-bench
  harness does about this, without envgym's integrity steps);

and prints medians and the ratio grade / by hand.

Run:
    .venv/bin/python benchmarks/swe.py                       # 3 instances (Python, SWE-smith form, C), 5 rounds
    .venv/bin/python benchmarks/swe.py --rounds 10 --warm-pool 2 --instances cstrbuf__cstrbuf-21
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import time

from envgym.kernel.context import EnvContext
from envgym.protocol import Action
from envgym_swe.environment import SweEnvironment

DEFAULT = ("ledgerlite__ledgerlite-2", "envgym__inikit.0b5e1a2c.func_pm_remove_default__inikit1", "cstrbuf__cstrbuf-21")


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


async def episode(ctx: EnvContext, task_id: str) -> tuple[float, float, float, str]:
    """(reset s, grade s, reward, image) for one episode playing the reference fix."""
    task = SweEnvironment.get_task("own", task_id)
    env = SweEnvironment("own", context=ctx)
    try:
        t0 = time.perf_counter()
        await env.reset(task)
        reset_s = time.perf_counter() - t0
        policy = SweEnvironment.oracle_policy(task)
        obs = None
        while True:
            action = await policy.act(obs)
            if action.tool_calls and action.tool_calls[0].function.name == "submit":
                break
            obs = (await env.step(action)).observation
        t0 = time.perf_counter()
        result = await env.step(Action.call("submit"))
        grade_s = time.perf_counter() - t0
        image = env.sandbox_spec(task, verifier=True).image or ctx.provider().build_image(task.payload["build_context"])
        return reset_s, grade_s, result.reward, image
    finally:
        await env.close()


def by_hand(image: str, task_id: str) -> float:
    """The same tests with a plain `docker run` (patches on stdin)."""
    task = SweEnvironment.get_task("own", task_id)
    p = task.private
    if task.payload["form"] == "swesmith":
        # the image is clean: apply the bug, then its reverse (the fix); the whole suite runs
        script = (
            "cd /testbed && printf '%s' \"$BUG\" | git apply - && printf '%s' \"$BUG\" | git apply -R - && "
            + p["test_cmd"]
        )
        env = {"BUG": p["patch"]}
    else:
        script = "cd /testbed && printf '%s' \"$FIX\" | git apply - && printf '%s' \"$TESTS\" | git apply - && " + (
            p["test_cmd"] or 'bash -c "$EVAL"'
        )
        env = {"FIX": p["patch"], "TESTS": p["test_patch"], "EVAL": p.get("eval_script") or ""}
    args = (
        ["docker", "run", "--rm", "--network", "none"]
        + [a for k in env for a in ("-e", k)]
        + [image, "bash", "-c", script]
    )
    t0 = time.perf_counter()
    subprocess.run(args, env={**env, "PATH": "/usr/local/bin:/usr/bin:/bin"}, capture_output=True, check=False)
    return time.perf_counter() - t0


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--instances", nargs="*", default=list(DEFAULT))
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument(
        "--warm-pool", type=int, default=0, help="the docker provider's warm pool size for the second reset column"
    )
    args = ap.parse_args()
    cold = EnvContext(sandbox="docker")
    warm = EnvContext(sandbox="docker", sandbox_options={"warm_pool": args.warm_pool}) if args.warm_pool else None
    print(f"{'instance':58} {'reset':>8} {'reset(warm)':>11} {'grade':>8} {'by hand':>8} {'grade/hand':>10}")
    for task_id in args.instances:
        _, _, reward, image = await episode(
            cold, task_id
        )  # builds the image once, so every figure is for a cached image
        assert reward == 1.0, f"{task_id}: the reference fix scored {reward}"
        resets, warm_resets, grades, hands = [], [], [], []
        for _ in range(args.rounds):  # interleaved, so load changes hit every column alike
            r, g, _, _ = await episode(cold, task_id)
            resets.append(r)
            grades.append(g)
            hands.append(await asyncio.to_thread(by_hand, image, task_id))
            if warm is not None:
                warm_resets.append((await episode(warm, task_id))[0])
        warm_col = f"{med(warm_resets):10.2f}s" if warm_resets else f"{'-':>11}"
        print(
            f"{task_id:58} {med(resets):7.2f}s {warm_col} {med(grades):7.2f}s {med(hands):7.2f}s "
            f"{med(grades) / med(hands):9.2f}x"
        )
    await cold.aclose()
    if warm is not None:
        await warm.aclose()


if __name__ == "__main__":
    asyncio.run(main())
