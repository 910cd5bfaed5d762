"""CPU time of one MiniWoB click step, split by process, and the Playwright calls it makes.

One episode of click-checkboxes (the task ``web.py --browsergym`` takes its click step from) is
reset, its spares are left to settle, then ``--clicks`` non-final clicks (the first checkbox,
toggled over and over) run one after the other. For each block of clicks the CPU time (user +
system, from ``/proc/PID/stat``) of this Python process (the caller, the web runtime thread and
the Playwright client), the Playwright driver (Node.js) and every Chromium process (by kind: the
browser, the renderers, the GPU process, utilities) is read before and after, and divided by the
number of clicks. The Playwright messages the client sends per click are counted by method. The
median over ``--rounds`` blocks is printed, with the load average.

    .venv/bin/python benchmarks/web_click.py --clicks 40 --rounds 5

``--chromium-arg SWITCH`` (repeatable) launches Chromium with an extra switch (``web.chromium_args``),
to measure what a switch costs or saves. ``--json`` prints the figures as one JSON line (for comparing two trees: run it with
``PYTHONPATH=<copy>/environments/web`` to measure another copy of ``envgym_web``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
from collections import Counter

from web_procstats import process_cpu_seconds

import envgym_web
from envgym.kernel.context import EnvContext
from envgym.protocol import Action
from envgym_web.environment import WebEnvironment
from envgym_web.observe import parse_elements
from envgym_web.runtime import WebRuntime


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    stat = fh.read()
            except OSError:
                continue
            kids.setdefault(int(stat[stat.rfind(")") + 2 :].split()[1]), []).append(int(entry))
    return kids


def _kind(pid: int) -> str:
    if pid == os.getpid():
        return "python"
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            raw = fh.read()
    except OSError:
        return "gone"
    # Chromium's child processes rewrite their command line as one space-separated string.
    args = raw.replace(b"\0", b" ").split()
    exe = os.path.basename(args[0]).decode(errors="replace") if args else "?"
    if exe == "node":
        return "driver"
    for a in args:
        if a.startswith(b"--type="):
            kind = a[len(b"--type=") :].decode()
            if kind == "utility":
                sub = next((x for x in args if x.startswith(b"--utility-sub-type=")), b"=")
                return "utility " + sub.split(b"=", 1)[1].decode().split(".")[0]
            return kind
    return "browser" if "chrom" in exe else exe


def cpu_by_kind() -> Counter[str]:
    """CPU seconds (user + system) of this process and its descendants, by kind; a process counts
    the children it reaped (a renderer that exits shows up in its zygote's line)."""
    kids, out, todo = _children(), Counter(), [os.getpid()]
    while todo:
        pid = todo.pop()
        todo.extend(kids.get(pid, []))
        cpu = process_cpu_seconds(pid)
        if cpu:  # a process gone meanwhile (or one that never ran) has no line
            out[_kind(pid)] += cpu
    return out


def count_messages() -> Counter[str]:
    """Counts every message the Playwright client sends, by ``Type.method`` (patched in place)."""
    from playwright._impl.connection import Connection

    counts: Counter[str] = Counter()
    original = Connection.send_message_to_server

    def send(self, obj, method, params, options):  # type: ignore[no-untyped-def]
        counts[f"{obj._type}.{method}"] += 1
        return original(self, obj, method, params, options)

    Connection.send_message_to_server = send  # type: ignore[method-assign]
    return counts


async def fresh_episodes(ctx: EnvContext, args: argparse.Namespace) -> dict[str, dict[str, float]]:
    """CPU (ms, by process kind) of each phase of a fresh click-checkboxes episode, summed over
    ``--episodes`` episodes and divided by the count of each phase: reset, the background preparation
    of the next episode's page (a spare), the first click on a checkbox, further checkbox clicks,
    the final click (Submit: ends the episode, grades it) and the close."""
    runtime = WebRuntime.get()
    pool = await runtime.run(runtime.pool(ctx.settings))
    totals: dict[str, Counter[str]] = {}
    counts: Counter[str] = Counter()

    def add(name: str, before: Counter[str]) -> None:
        after = cpu_by_kind()
        totals.setdefault(name, Counter()).update({k: after[k] - before[k] for k in after})
        totals[name]["python"] -= overhead
        counts[name] += 1

    c = cpu_by_kind()
    for _ in range(20):
        cpu_by_kind()
    overhead = (cpu_by_kind()["python"] - c["python"]) / 21  # what reading /proc costs this process

    for n in range(args.episodes):
        env = WebEnvironment("miniwob", context=ctx)
        c = cpu_by_kind()
        result = await env.reset(WebEnvironment.get_task("miniwob", args.task), seed=args.seed + n)
        add("reset", c)
        c = cpu_by_kind()
        await runtime.run(pool.spares_ready())
        add("next episode's page (background)", c)
        goal = result.observation.data["goal"]
        elements = parse_elements(result.observation.data["page"])
        names = [
            x
            for x in goal[len("Select ") : -len(" and click Submit.")].replace(" and ", ", ").split(", ")
            if x != "nothing"
        ]
        boxes = [e for e in elements if e.role == "checkbox"]
        for k, box in enumerate(boxes):
            c = cpu_by_kind()
            await env.step(Action.call("click", id=box.id))
            add("first click" if k == 0 else "further clicks", c)
            if box.name not in names:  # click it again: unchecked
                c = cpu_by_kind()
                await env.step(Action.call("click", id=box.id))
                add("further clicks", c)
        submit = next(e for e in elements if e.role == "button" and e.name == "Submit")
        c = cpu_by_kind()
        step = await env.step(Action.call("click", id=submit.id))
        add("final click (grades, closes)", c)
        assert step.done and step.reward == 1.0, step
        c = cpu_by_kind()
        await env.close()
        add("close", c)
    out = {}
    for name, total in totals.items():
        per = {k: 1000 * v / counts[name] for k, v in total.items() if abs(v) > 1e-9}
        per["total"] = sum(per.values())
        per["n"] = counts[name]
        out[name] = per
    return out


async def main(args: argparse.Namespace) -> dict:
    messages = count_messages()
    ctx = EnvContext(sandbox="process", settings={"web.chromium_args": args.chromium_arg})
    runtime = WebRuntime.get()
    env = WebEnvironment("miniwob", context=ctx, options={"max_turns": 100_000})
    result = await env.reset(WebEnvironment.get_task("miniwob", args.task), seed=args.seed)
    pool = await runtime.run(runtime.pool(ctx.settings))
    await runtime.run(pool.spares_ready())
    await asyncio.sleep(1.0)  # let the spares' renderers go idle
    elements = parse_elements(result.observation.data["page"])
    target = next(e for e in elements if e.role == "checkbox")
    click = Action.call("click", id=target.id)
    for _ in range(3):  # warm-up
        await env.step(click)
    rounds: list[dict[str, float]] = []
    calls: Counter[str] = Counter()
    texts = []
    for _ in range(args.rounds):
        messages.clear()
        before, wall0 = cpu_by_kind(), time.perf_counter()
        for _ in range(args.clicks):
            if args.pause:
                await asyncio.sleep(args.pause)
            step = await env.step(click)
            assert not step.done and not step.observation.data.get("error"), step.observation.data
        after, wall = cpu_by_kind(), time.perf_counter() - wall0
        per = {k: 1000 * (after[k] - before[k]) / args.clicks for k in after}
        per["total"] = sum(per.values())
        per["wall"] = 1000 * wall / args.clicks
        rounds.append(per)
        calls = Counter({k: v / args.clicks for k, v in messages.items()})
        texts.append(step.observation.data["page"])
    await env.close()
    phases = await fresh_episodes(ctx, args) if args.episodes else {}
    await ctx.aclose()
    keys = sorted({k for r in rounds for k in r})
    med = {k: statistics.median(r.get(k, 0.0) for r in rounds) for k in keys}
    return {
        "package": os.path.dirname(envgym_web.__file__),
        "task": args.task,
        "clicks": args.clicks,
        "rounds": args.rounds,
        "median_ms": med,
        "all_ms": [r["total"] for r in rounds],
        "messages_per_click": dict(calls),
        "episode_phases_ms": phases,
        "load": os.getloadavg(),
        "last_text": texts[-1],
    }


def report(out: dict) -> None:
    med = out["median_ms"]
    print(
        f"{out['package']}: {out['task']}, {out['rounds']} rounds of {out['clicks']} clicks, "
        f"{os.cpu_count()} CPUs, load average {' '.join(f'{x:.1f}' for x in out['load'])}"
    )
    print(
        f"CPU per click step (median of rounds): total {med['total']:.1f} ms "
        f"(rounds: {', '.join(f'{x:.1f}' for x in out['all_ms'])}); wall {med['wall']:.1f} ms"
    )
    for k in sorted(med, key=lambda k: -med[k]):
        if k not in ("total", "wall") and med[k] > 0.05:
            print(f"  {k:24s} {med[k]:6.1f} ms")
    for name, per in out["episode_phases_ms"].items():
        print(
            f"{name:34s} n={per['n']:<4g} total {per['total']:6.1f} ms: "
            + ", ".join(
                f"{k} {v:.1f}"
                for k, v in sorted(per.items(), key=lambda kv: -kv[1])
                if k not in ("n", "total") and v >= 0.05
            )
        )
    print(
        "Playwright messages per click: "
        + ", ".join(f"{k} {v:g}" for k, v in sorted(out["messages_per_click"].items()))
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="click-checkboxes")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--clicks", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--pause",
        type=float,
        default=0.0,
        help="seconds of idleness before each click (an agent thinks between steps; the idle CPU counts too)",
    )
    parser.add_argument("--episodes", type=int, default=0, help="then fresh episodes, CPU per phase")
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--chromium-arg", action="append", default=[], help="an extra Chromium switch (web.chromium_args), repeatable"
    )
    parsed = parser.parse_args()
    result = asyncio.run(main(parsed))
    if parsed.json:
        print(json.dumps(result))
    else:
        report(result)
