"""Sandbox lifecycle latency: the docker provider (cold, warm pool, per-command `docker exec`) beside
bwrap, in the same run. Prints p50/p95 of create (sandbox ready), exec of `true`, and destroy.

    .venv/bin/python benchmarks/docker_sandbox.py [--n 30]

Needs a running Docker Engine and the base image (scripts/docker-up.sh). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from rich.console import Console
from rich.table import Table

from envgym.protocol.errors import EnvgymError
from envgym.sandbox import SandboxSpec, get_provider


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] * 1000


async def measure(label: str, provider_name: str, n: int, **options) -> tuple[str, dict[str, list[float]]] | None:
    try:
        provider = get_provider(provider_name, **options)
    except EnvgymError as exc:
        Console().print(f"[yellow]skipping {label}: {exc.message}")
        return None
    ok, why = provider.available()
    if not ok:
        Console().print(f"[yellow]skipping {label}: {why}")
        return None
    spec = SandboxSpec()
    if options.get("warm_pool"):
        await provider.fill_pool(spec)  # type: ignore[attr-defined]
    times: dict[str, list[float]] = {"create": [], "exec true": [], "destroy": []}
    try:
        for _ in range(n):
            if options.get("warm_pool"):
                # Give the background refill time to restore the pool, as between real episodes.
                while len(provider._pool) < provider.warm_pool:  # type: ignore[attr-defined]
                    await asyncio.sleep(0.05)
            t0 = time.perf_counter()
            box = await provider.create(spec)
            times["create"].append(time.perf_counter() - t0)
            for _ in range(5):
                t0 = time.perf_counter()
                await box.exec("true")
                times["exec true"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            await box.close()
            times["destroy"].append(time.perf_counter() - t0)
    finally:
        await provider.aclose()
    return label, times


async def main(n: int) -> None:
    runs = [
        ("bwrap", "bwrap", {}),
        ("docker (cold)", "docker", {}),
        ("docker (warm pool 4)", "docker", {"warm_pool": 4}),
        ("docker (docker exec per command)", "docker", {"exec_mode": "exec"}),
    ]
    table = Table(title=f"sandbox lifecycle latency, ms (n={n} sandboxes, 5 execs each)")
    for col in ("provider", "create p50", "create p95", "exec p50", "exec p95", "destroy p50", "destroy p95"):
        table.add_column(col, justify="right" if col != "provider" else "left")
    for label, name, options in runs:
        result = await measure(label, name, n, **options)
        if result is None:
            continue
        _, t = result
        table.add_row(label, *(f"{pct(t[k], q):.1f}" for k in ("create", "exec true", "destroy") for q in (0.5, 0.95)))
    Console(width=150).print(table)
    Console().print("create = until the sandbox is ready for its first command; with a warm pool that is a hand-out.")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=30)
    asyncio.run(main(parser.parse_args().n))
