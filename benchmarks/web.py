"""Web environment cost, on its own and side by side with BrowserGym.

Default: latency and throughput of web/shop: reset and step p50/p95, episodes per minute at 1, 4
and 16 concurrent sessions in one process (one pooled Chromium, a fresh context per episode). Each
episode: reset on the shop home page, 4 steps that each load a new page (Orders, an order, search
results, a product) and an ``answer``. The first episode (browser launch) is a warm-up. Wall-clock
latency on a shared machine depends on what else runs, so CPU time is reported too (Python, the
Playwright driver and every Chromium process): per episode, and per operation from a few
sequential episodes in which the background preparation of the next episode's page (a spare) is
measured apart from the reset that uses it.

    .venv/bin/python benchmarks/web.py --episodes 8 --concurrency 1 4 16

``--browsergym``: envgym and BrowserGym (installed from PyPI, pinned, in its own virtual
environment, made on first use: ``--bgym-venv``) on the same MiniWoB tasks (click-test,
click-button, enter-text) and seeds, the same Chromium binary and, by default, the same Playwright
version (``--bgym-pinned-playwright`` keeps BrowserGym's own pin instead). Each side runs in
worker processes, interleaved round by round (the order alternates); BrowserGym runs one process
per concurrent session, as its synchronous API requires. Printed as envgym / BrowserGym ratios:
reset wall time, CPU of the click step, CPU per episode (reset, steps, close), episodes per minute
at 1 and 4 sessions, and memory (PSS) per extra open session (envgym holds them with one spare
context, a constant: MiniWoB pages in episodes count as spares to come).

    .venv/bin/python benchmarks/web.py --browsergym --rounds 3 --episodes 6

``--envgym-only`` (with ``--browsergym``): envgym's side alone, the same workers and figures, without
BrowserGym's virtual environment (e.g. to compare two versions of envgym: run it with
``PYTHONPATH=<other tree>/environments/web``). A step's CPU is read from the scheduler's
nanosecond counters of every thread of the tree (``web_procstats.threads_cpu_seconds``), not from
the per-process times the kernel counts in 10 ms ticks, which made single steps' medians move in
steps of a few ms; CPU per episode, which spans processes that end, is still read in ticks.

    .venv/bin/python benchmarks/web.py --browsergym --envgym-only --rounds 3 --episodes 12
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from typing import Awaitable, Callable

from envgym.kernel.context import EnvContext
from envgym.protocol import Action
from envgym_web.environment import WebEnvironment
from envgym_web.observe import parse_elements
from envgym_web.oracle import find, page_text
from envgym_web.runtime import WebRuntime

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from web_procstats import pct, threads_cpu_seconds, tree_cpu_seconds, tree_pids, tree_pss_mb  # noqa: E402

BGYM_VERSION = "0.14.3"
BGYM_PACKAGES = [f"browsergym-core=={BGYM_VERSION}", f"browsergym-miniwob=={BGYM_VERSION}"]
COMPARE_TASKS = ["click-checkboxes", "click-test", "click-button", "enter-text"]
HERE = os.path.dirname(os.path.abspath(__file__))


ERRORS: list[str] = []
PLAN = [
    ("click", "link", "Orders"),
    ("click", "link", "Order O-1003"),
    ("type", "textbox", "Search products", "mug"),
    ("click", "link", "Blue Diner Mug"),
]
Phase = Callable[[str, Awaitable[object]], Awaitable[object]]


async def timed(times: dict[str, list[float]], name: str, work: Awaitable[object]) -> object:
    t0 = time.perf_counter()
    try:
        return await work
    finally:
        times[name].append(time.perf_counter() - t0)


async def episode(ctx: EnvContext, phase: Phase) -> None:
    """One benchmark episode; ``phase(name, awaitable)`` runs (and measures) each reset and step."""
    env = WebEnvironment("shop", context=ctx)
    task = WebEnvironment.get_task("shop", "last-order-total")
    try:
        result = await phase("reset", env.reset(task))
        obs = result.observation  # type: ignore[attr-defined]
        for step in PLAN:
            if obs.data and obs.data.get("error"):
                ERRORS.append(obs.data["error"])  # counted and reported; the episode is abandoned
                return
            el = find(parse_elements(page_text(obs)), step[1], step[2])
            action = (
                Action.call("click", id=el.id)
                if step[0] == "click"
                else Action.call("type", id=el.id, text=step[3], submit=True)
            )
            obs = (await phase("step", env.step(action))).observation  # type: ignore[attr-defined]
        await phase("step", env.step(Action.call("answer", text="$36.99")))
    finally:
        await env.close()


async def run(concurrency: int, episodes_per_lane: int, ctx: EnvContext) -> dict[str, float]:
    times: dict[str, list[float]] = defaultdict(list)

    async def lane() -> None:
        for _ in range(episodes_per_lane):
            await episode(ctx, lambda name, work: timed(times, name, work))

    started, cpu0 = time.perf_counter(), tree_cpu_seconds()
    await asyncio.gather(*(lane() for _ in range(concurrency)))
    wall, cpu = time.perf_counter() - started, tree_cpu_seconds() - cpu0
    resets, steps = times["reset"], times["step"]
    return {
        "concurrency": concurrency,
        "episodes": concurrency * episodes_per_lane,
        "reset_p50_ms": 1000 * pct(resets, 0.5),
        "reset_p95_ms": 1000 * pct(resets, 0.95),
        "step_p50_ms": 1000 * pct(steps, 0.5),
        "step_p95_ms": 1000 * pct(steps, 0.95),
        "steps": len(steps),
        "episodes_per_min": 60 * concurrency * episodes_per_lane / wall,
        "cpu_ms_per_episode": 1000 * cpu / max(1, concurrency * episodes_per_lane),
    }


async def spares_ready(ctx: EnvContext) -> None:
    runtime = WebRuntime.get()
    pool = await runtime.run(runtime.pool(ctx.settings))
    await runtime.run(pool.spares_ready())


async def per_operation(ctx: EnvContext, episodes: int) -> dict[str, tuple[float, float]]:
    """Median wall and CPU (ms) of each operation, one episode at a time, with the background spare
    preparation (started by each reset) awaited after the reset and measured on its own."""
    cpu: dict[str, list[float]] = defaultdict(list)
    wall: dict[str, list[float]] = defaultdict(list)
    labels: list[str] = []

    async def phase(name: str, work: Awaitable[object]) -> object:
        label = labels.pop(0)
        t0, c0 = time.perf_counter(), tree_cpu_seconds()
        result = await work
        wall[label].append(time.perf_counter() - t0)
        cpu[label].append(tree_cpu_seconds() - c0)
        if name == "reset":
            t0, c0 = time.perf_counter(), tree_cpu_seconds()
            await spares_ready(ctx)
            wall["next episode's page (background)"].append(time.perf_counter() - t0)
            cpu["next episode's page (background)"].append(tree_cpu_seconds() - c0)
        return result

    for _ in range(episodes):
        await spares_ready(ctx)
        labels[:] = ["reset (spare ready)", *["step: new page"] * len(PLAN), "step: answer (grade, close context)"]
        await episode(ctx, phase)
    return {k: (1000 * pct(wall[k], 0.5), 1000 * pct(cpu[k], 0.5)) for k in wall}


async def shop_benchmark(args: argparse.Namespace) -> None:
    settings: dict[str, object] = {"web.browsers": args.browsers}
    if args.spares is not None:
        settings["web.spare_contexts"] = args.spares
    ctx = EnvContext(sandbox="process", settings=settings)
    await episode(ctx, lambda name, work: work)  # warm-up: launches Chromium and the local sites
    ops = await per_operation(ctx, args.probe_episodes) if args.probe_episodes else {}
    rows = [await run(c, args.episodes, ctx) for c in args.concurrency]
    await ctx.aclose()
    load = os.getloadavg()[0]
    print(
        f"web/shop, {args.browsers} Chromium, spares {args.spares if args.spares is not None else 'default'}, "
        f"{os.cpu_count()} CPUs, load average {load:.1f}, "
        f"{len(ERRORS)} abandoned episodes (action errors){': ' + ERRORS[0] if ERRORS else ''}"
    )
    if ops:
        print(
            f"per operation, one session, median of {args.probe_episodes} episodes (CPU = Python + Playwright driver + Chromium):"
        )
        for name, (w, c) in ops.items():
            print(f"  {name:38s} wall {w:6.0f} ms   CPU {c:6.0f} ms")
    print(
        f"{'sessions':>8} {'episodes':>8} {'reset p50':>10} {'reset p95':>10} {'step p50':>9} {'step p95':>9} "
        f"{'episodes/min':>12} {'CPU/episode':>12}"
    )
    for r in rows:
        print(
            f"{r['concurrency']:>8} {r['episodes']:>8} {r['reset_p50_ms']:>8.0f}ms {r['reset_p95_ms']:>8.0f}ms "
            f"{r['step_p50_ms']:>7.0f}ms {r['step_p95_ms']:>7.0f}ms {r['episodes_per_min']:>12.1f} "
            f"{r['cpu_ms_per_episode']:>10.0f}ms"
        )
    print(
        "(an episode = reset + 5 steps; CPU/episode is the CPU time of Python, the Playwright driver and Chromium "
        f"together, so {os.cpu_count()} idle CPUs could run at most {os.cpu_count()} x 60 s / CPU-per-episode episodes per minute)"
    )


# --------------------------------------------------------------------------- side by side with BrowserGym


def miniwob_plan(goal: str, text: str) -> list[Action]:
    """envgym's side of the scripted policy (web_bgym_worker.plan is BrowserGym's): the same choices."""
    elements = parse_elements(text)
    if goal.startswith("Select "):  # click-checkboxes
        names = [
            n
            for n in goal[len("Select ") : -len(" and click Submit.")].replace(" and ", ", ").split(", ")
            if n != "nothing"
        ]
        return [Action.call("click", id=find(elements, "checkbox", n).id) for n in names] + [
            Action.call("click", id=find(elements, "button", "Submit").id)
        ]
    if goal.startswith("Click on the"):
        return [Action.call("click", id=find(elements, "button", goal.split('"')[1]).id)]
    if goal.startswith("Enter"):
        box = next(e for e in elements if e.role == "textbox")
        return [
            Action.call("type", id=box.id, text=goal.split('"')[1]),
            Action.call("click", id=find(elements, "button", "Submit").id),
        ]
    return [Action.call("click", id=find(elements, "button", "Click Me!").id)]


async def envgym_worker(cfg: dict) -> dict:
    """envgym's worker: ``lanes`` concurrent lanes of episodes in this process (or sessions held open)."""
    settings: dict[str, object] = {"web.chromium_path": cfg["chromium"]}
    if cfg["mode"] == "memory":
        # One spare: MiniWoB pages in episodes count as spares to come, so with 4 the first held
        # sessions would take spares' places instead of adding contexts (docs/web.md, "Benchmark").
        settings["web.spare_contexts"] = 1
    ctx = EnvContext(sandbox="process", settings=settings)
    runtime = WebRuntime.get()

    async def settle() -> None:
        pool = await runtime.run(runtime.pool(ctx.settings))
        await runtime.run(pool.spares_ready())

    warm = WebEnvironment("miniwob", context=ctx)  # launches Chromium and the sites, fills the spares
    await warm.reset(WebEnvironment.get_task("miniwob", cfg["tasks"][0]), seed=0)
    await warm.close()
    await settle()
    if cfg["mode"] == "memory":
        held, envs = {}, []
        for k in range(1, cfg["sessions"] + 1):
            env = WebEnvironment("miniwob", context=ctx)
            await env.reset(WebEnvironment.get_task("miniwob", cfg["tasks"][0]), seed=k)
            envs.append(env)
            await settle()
            await asyncio.sleep(0.5)
            held[k] = tree_pss_mb()
        for env in envs:
            await env.close()
        await ctx.aclose()
        return {"pss_mb": held}

    records: list[dict] = []

    async def lane(offset: int) -> None:
        for i in range(cfg["episodes"]):
            n = offset + i * cfg["lanes"]
            task, seed = cfg["tasks"][n % len(cfg["tasks"])], cfg["seeds"][n % len(cfg["seeds"])]
            env = WebEnvironment("miniwob", context=ctx)
            c0, t0 = tree_cpu_seconds(), time.perf_counter()
            reset = await env.reset(WebEnvironment.get_task("miniwob", task), seed=seed)
            reset_wall = time.perf_counter() - t0
            if cfg["lanes"] == 1:
                await settle()  # the next episode's spare, made in the background, is not the click's cost
            step, steps = None, []
            actions = miniwob_plan(reset.observation.data["goal"], reset.observation.data["page"])
            pids = tree_pids()  # no process starts or ends during a step of an open episode
            for n, action in enumerate(actions):
                s0, sc0 = time.perf_counter(), threads_cpu_seconds(pids)
                step = await env.step(action)
                steps.append(
                    {
                        "click": action.tool_calls[0].function.name == "click",
                        "final": n == len(actions) - 1,
                        "wall": time.perf_counter() - s0,
                        "cpu": threads_cpu_seconds(pids) - sc0,
                    }
                )
            await env.close()
            records.append(
                {
                    "task": task,
                    "reset_wall": reset_wall,
                    "steps": steps,
                    "episode_cpu": tree_cpu_seconds() - c0,
                    "reward": step.reward if step else 0.0,
                }
            )

    started, cpu0 = time.perf_counter(), tree_cpu_seconds()
    await asyncio.gather(*(lane(k) for k in range(cfg["lanes"])))
    wall, cpu = time.perf_counter() - started, tree_cpu_seconds() - cpu0
    await ctx.aclose()
    return {"records": records, "wall": wall, "cpu": cpu}


def ensure_bgym(venv: str, same_playwright: bool) -> dict[str, str]:
    """The BrowserGym virtual environment (made on first use) and the process environment its workers
    need: a Playwright browsers directory whose Chromium entries are the system's Chromium (BrowserGym
    launches its chat window without an executable path)."""
    python = os.path.join(venv, "bin", "python")
    if not os.path.exists(python):
        print(f"making {venv}: {' '.join(BGYM_PACKAGES)} from PyPI ...", flush=True)
        subprocess.run([getattr(sys, "_base_executable", sys.executable), "-m", "venv", venv], check=True)
        subprocess.run([python, "-m", "pip", "install", "-q", *BGYM_PACKAGES], check=True)
    if same_playwright:
        from importlib.metadata import version

        want = version("playwright")
        have = subprocess.run(
            [python, "-c", "from importlib.metadata import version; print(version('playwright'))"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if have != want:
            print(
                f"installing playwright=={want} in {venv} (BrowserGym pins {have}; --bgym-pinned-playwright keeps it)",
                flush=True,
            )
            subprocess.run([python, "-m", "pip", "install", "-q", f"playwright=={want}"], check=True)
    revisions = json.loads(
        subprocess.run(
            [
                python,
                "-c",
                "import json, os, playwright; print(open(os.path.join(os.path.dirname(playwright.__file__), "
                "'driver/package/browsers.json')).read())",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    browsers = os.path.join(venv, "ms-playwright")
    chromium = find_chromium_binary()
    for entry in revisions["browsers"]:
        if entry["name"] == "chromium":
            target = os.path.join(browsers, f"chromium-{entry['revision']}", "chrome-linux", "chrome")
        elif entry["name"] == "chromium-headless-shell":
            target = os.path.join(
                browsers,
                f"chromium_headless_shell-{entry['revision']}",
                "chrome-headless-shell-linux64",
                "chrome-headless-shell",
            )
        else:
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if not os.path.islink(target):
            os.symlink(chromium, target)
    return {**os.environ, "PLAYWRIGHT_BROWSERS_PATH": browsers}


def find_chromium_binary() -> str:
    from envgym_web.chromium import find_chromium

    path = find_chromium(None, None)
    assert path is not None
    return path


def run_worker(side: str, cfg: dict, bgym_python: str, bgym_env: dict[str, str]) -> dict:
    """One worker process (several for BrowserGym lanes, run at once); results merged."""
    if side == "envgym":
        out = subprocess.run(
            [sys.executable, os.path.abspath(__file__), "--worker", json.dumps(cfg)], capture_output=True, text=True
        )
        if out.returncode:
            raise RuntimeError(f"envgym worker failed: {out.stderr[-3000:]}")
        return json.loads(out.stdout.strip().splitlines()[-1])
    lanes = cfg.get("lanes", 1)
    worker = os.path.join(HERE, "web_bgym_worker.py")
    started = time.perf_counter()
    procs = [
        subprocess.Popen(
            [bgym_python, worker, json.dumps({**cfg, "seeds": cfg["seeds"][k:] + cfg["seeds"][:k]})],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=bgym_env,
        )
        for k in range(lanes)
    ]
    results = []
    for proc in procs:
        stdout, stderr = proc.communicate()
        if proc.returncode:
            raise RuntimeError(f"BrowserGym worker failed: {stderr[-3000:]}")
        results.append(json.loads(stdout.strip().splitlines()[-1]))
    if cfg["mode"] == "memory":
        return results[0]
    return {
        "records": [r for res in results for r in res["records"]],
        "cpu": sum(r["cpu"] for r in results),
        "wall": max(r["wall"] for r in results),
        "wall_with_start": time.perf_counter() - started,
    }


def compare(args: argparse.Namespace) -> None:
    from envgym_web.miniwob import HTML_DIR

    only = args.envgym_only
    bgym_env = {} if only else ensure_bgym(args.bgym_venv, not args.bgym_pinned_playwright)
    bgym_python = os.path.join(args.bgym_venv, "bin", "python")
    base = {
        "tasks": COMPARE_TASKS,
        "seeds": list(range(1, 1 + args.episodes)),
        "chromium": find_chromium_binary(),
        "html_dir": str(HTML_DIR),
    }
    results: dict[tuple[str, str], list[dict]] = defaultdict(list)
    loads = []
    for rnd in range(args.rounds):
        sides = ["envgym"] if only else ["envgym", "browsergym"] if rnd % 2 == 0 else ["browsergym", "envgym"]
        for lanes in (1, 4):
            for side in sides:
                loads.append(os.getloadavg()[0])
                cfg = {**base, "mode": "episodes", "episodes": args.episodes, "lanes": lanes}
                results[(side, f"lanes{lanes}")].append(run_worker(side, cfg, bgym_python, bgym_env))
                print(f"round {rnd + 1}/{args.rounds}: {side}, {lanes} session(s) done", flush=True)
        for side in sides:
            cfg = {**base, "mode": "memory", "sessions": args.memory_sessions}
            results[(side, "memory")].append(run_worker(side, cfg, bgym_python, bgym_env))

    def med(side: str, key: str, field: str, lanes: str = "lanes1") -> float:
        if not results[(side, lanes)]:
            return float("nan")
        return statistics.median(r[field] for res in results[(side, lanes)] for r in res["records"] if "error" not in r)

    def step_med(side: str, field: str, final: bool) -> float:
        values = [
            st[field]
            for res in results[(side, "lanes1")]
            for r in res["records"]
            for st in r.get("steps", [])
            if st["click"] and st["final"] == final
        ]
        return statistics.median(values) if values else float("nan")

    def step_mean(side: str, field: str, final: bool) -> float:
        values = [
            st[field]
            for res in results[(side, "lanes1")]
            for r in res["records"]
            for st in r.get("steps", [])
            if st["click"] and st["final"] == final
        ]
        return statistics.fmean(values) if values else float("nan")

    def per_episode_cpu(side: str, lanes: str) -> float:
        if not results[(side, lanes)]:
            return float("nan")
        return statistics.median(res["cpu"] / len(res["records"]) for res in results[(side, lanes)])

    def per_min(side: str, lanes: str) -> float:
        if not results[(side, lanes)]:
            return float("nan")
        return statistics.median(60 * len(res["records"]) / res["wall"] for res in results[(side, lanes)])

    def per_session_mb(side: str) -> float:
        values = []
        if not results[(side, "memory")]:
            return float("nan")
        for res in results[(side, "memory")]:
            held = {int(k): v for k, v in res["pss_mb"].items()}
            values.append((held[max(held)] - held[1]) / (max(held) - 1))
        return statistics.median(values)

    fails = {
        side: sum(
            r["reward"] != 1.0 for key in ("lanes1", "lanes4") for res in results[(side, key)] for r in res["records"]
        )
        for side in ("envgym", "browsergym")
    }
    rows = [
        (
            "reset wall (median, 1 session)",
            1000 * med("envgym", "", "reset_wall"),
            1000 * med("browsergym", "", "reset_wall"),
            "ms",
        ),
        (
            "click step CPU (median)",
            1000 * step_med("envgym", "cpu", False),
            1000 * step_med("browsergym", "cpu", False),
            "ms",
        ),
        (
            "click step CPU (mean)",
            1000 * step_mean("envgym", "cpu", False),
            1000 * step_mean("browsergym", "cpu", False),
            "ms",
        ),
        (
            "click step wall (median, 1 session)",
            1000 * step_med("envgym", "wall", False),
            1000 * step_med("browsergym", "wall", False),
            "ms",
        ),
        (
            "final click CPU (ends the episode)",
            1000 * step_med("envgym", "cpu", True),
            1000 * step_med("browsergym", "cpu", True),
            "ms",
        ),
        (
            "CPU per episode, 1 session",
            1000 * per_episode_cpu("envgym", "lanes1"),
            1000 * per_episode_cpu("browsergym", "lanes1"),
            "ms",
        ),
        (
            "CPU per episode, 4 sessions",
            1000 * per_episode_cpu("envgym", "lanes4"),
            1000 * per_episode_cpu("browsergym", "lanes4"),
            "ms",
        ),
        ("episodes/min, 1 session", per_min("envgym", "lanes1"), per_min("browsergym", "lanes1"), "/min"),
        ("episodes/min, 4 sessions", per_min("envgym", "lanes4"), per_min("browsergym", "lanes4"), "/min"),
        ("memory (PSS) per extra open session", per_session_mb("envgym"), per_session_mb("browsergym"), "MB"),
    ]
    with open("/proc/loadavg") as fh:
        uptime_load = fh.read().split()[:3]
    print(
        f"\n{'envgym alone' if only else f'envgym vs BrowserGym {BGYM_VERSION}'} on MiniWoB {', '.join(COMPARE_TASKS)}; {args.rounds} interleaved rounds of "
        f"{args.episodes} episodes per session; {os.cpu_count()} CPUs; load average during the run "
        f"{min(loads):.1f}-{max(loads):.1f}, now {' '.join(uptime_load)}; failed episodes: envgym {fails['envgym']}, "
        f"BrowserGym {fails['browsergym']}"
    )
    print(f"{'':40s} {'envgym':>10}" + ("" if only else f" {'BrowserGym':>11} {'ratio':>7}"))
    for name, ours, theirs, unit in rows:
        if only:
            print(f"{name:40s} {ours:>8.0f}{unit[:2]:<2}")
        else:
            print(f"{name:40s} {ours:>8.0f}{unit[:2]:<2} {theirs:>9.0f}{unit[:2]:<2} {ours / theirs:>6.2f}x")
    print(
        "(ratio = envgym / BrowserGym: below 1 is better for times, CPU and memory; above 1 for episodes/min. "
        "CPU = the worker's Python, Playwright driver and Chromium processes; a click step = a checkbox of "
        "click-checkboxes (the page changes, the episode goes on); the final click also reads the page's reward, and in "
        "envgym grades the episode and gives its page back (wiped in the background, for a later episode); BrowserGym's observation includes a screenshot and the "
        "DOM and AX trees at every step, envgym's default is its page text)"
    )


async def worker_main(raw: str) -> None:
    print(json.dumps(await envgym_worker(json.loads(raw))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=6, help="episodes per concurrent lane")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--browsers", type=int, default=1, help="web.browsers: Chromium processes")
    parser.add_argument("--spares", type=int, default=None, help="web.spare_contexts (default: the environment's)")
    parser.add_argument(
        "--probe-episodes", type=int, default=5, help="sequential episodes for the per-operation CPU table"
    )
    parser.add_argument("--browsergym", action="store_true", help="compare with BrowserGym instead (see above)")
    parser.add_argument("--rounds", type=int, default=3, help="--browsergym: interleaved rounds")
    parser.add_argument(
        "--memory-sessions", type=int, default=5, help="--browsergym: sessions held open for the memory figure"
    )
    parser.add_argument("--bgym-venv", default=os.path.join(os.path.dirname(HERE), ".bgym-venv"))
    parser.add_argument("--bgym-pinned-playwright", action="store_true", help="keep BrowserGym's own Playwright pin")
    parser.add_argument(
        "--envgym-only", action="store_true", help="--browsergym: envgym's side alone (no BrowserGym venv)"
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        asyncio.run(worker_main(args.worker))
    elif args.browsergym:
        compare(args)
    else:
        asyncio.run(shop_benchmark(args))


if __name__ == "__main__":
    main()
