"""Reset time of a Harbor Dockerfile task on the docker provider, beside a plain `docker run` of the
same image, interleaved round by round:

* first build — a reset whose image is not built yet (the task's Dockerfile gets a fresh nonce in an
  early RUN, so its layers are rebuilt; the base image is on the engine),
* cached build — a reset of the same task again (the content-hash tag is found: no build),
* warm pool   — a reset with a started container waiting (provider option warm_pool=1),
* docker run  — `docker run --rm IMAGE true` of the task's image (the CLI a user would compare with),
* docker run + exec — `docker run -d` then `docker exec true` (a container that has run a command,
  which is what a reset hands the agent).

A reset is `TerminalEnvironment.reset` until the first observation: build if needed, start the
container, start envgym's command server in it, prepare Harbor's /logs, copy nothing (Dockerfile task).

    .venv/bin/python benchmarks/docker_reset.py [--rounds 5]

Needs a running Docker Engine and the base image (scripts/docker-up.sh). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from envgym.kernel.context import EnvContext
from envgym_terminal import TerminalEnvironment, tasks_in
from envgym_terminal.suites import TASKS_ROOT

SOURCE = TASKS_ROOT / "harbor" / "dockerfile-basic"
LABEL = "envgym.bench=docker-reset"


def fresh_task(root: Path) -> Path:
    """A copy of the corpus task whose Dockerfile builds new layers (a nonce before its COPY)."""
    target = root / f"bench-{secrets.token_hex(4)}"
    shutil.copytree(SOURCE, target)
    dockerfile = target / "environment" / "Dockerfile"
    lines = dockerfile.read_text().splitlines()
    lines.insert(1, f"RUN echo {secrets.token_hex(8)} > /etc/envgym-bench-nonce")
    dockerfile.write_text("\n".join(lines) + "\n")
    return target


async def timed_reset(context: EnvContext, task) -> tuple[float, object]:
    """Seconds to the first observation, and the sandbox spec the reset used."""
    env = TerminalEnvironment(task.suite, context=context)
    started = time.perf_counter()
    try:
        await env.reset(task)
        return time.perf_counter() - started, env.box.spec
    finally:
        await env.close()


def docker(*args: str) -> float:
    started = time.perf_counter()
    subprocess.run(["docker", *args], check=True, capture_output=True)
    return time.perf_counter() - started


def docker_run_exec(image: str) -> float:
    started = time.perf_counter()
    cid = subprocess.run(
        ["docker", "run", "-d", "--label", LABEL, image, "sleep", "300"], check=True, capture_output=True, text=True
    ).stdout.strip()
    subprocess.run(["docker", "exec", cid, "true"], check=True, capture_output=True)
    elapsed = time.perf_counter() - started
    subprocess.run(["docker", "rm", "-f", cid], capture_output=True)
    return elapsed


async def main(rounds: int) -> None:
    console = Console()
    times: dict[str, list[float]] = {
        k: [] for k in ("first build", "cached build", "warm pool", "docker run", "docker run + exec")
    }
    built: list[str] = []
    with tempfile.TemporaryDirectory(prefix="envgym-bench-") as tmp:
        plain = EnvContext(sandbox="docker")
        pooled = EnvContext(sandbox="docker", sandbox_options={"warm_pool": 1})
        try:
            for i in range(rounds):
                task = tasks_in(fresh_task(Path(tmp)), suite="bench")[0]
                first, spec = await timed_reset(plain, task)
                image = spec.image
                built.append(image)
                cached, _ = await timed_reset(plain, task)
                await timed_reset(pooled, task)  # starts the pool of this task's shape ...
                provider = pooled.provider("docker")
                while provider.spares(spec) < 1:  # ... and waits until its spare is up
                    await asyncio.sleep(0.05)
                warm, _ = await timed_reset(pooled, task)
                run = docker("run", "--rm", "--label", LABEL, image, "true")
                run_exec = docker_run_exec(image)
                for key, value in zip(times, (first, cached, warm, run, run_exec)):
                    times[key].append(value)
                console.print(
                    f"round {i + 1}/{rounds}: " + ", ".join(f"{k} {v[-1] * 1000:.0f} ms" for k, v in times.items())
                )
        finally:
            await plain.aclose()
            await pooled.aclose()
            for image in built:
                subprocess.run(["docker", "rmi", "-f", image], capture_output=True)
    base = statistics.median(times["docker run"])
    table = Table(
        title=f"reset of a Dockerfile task (corpus dockerfile-basic), {rounds} interleaved rounds, "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    for col in ("", "p50 ms", "min ms", "max ms", "× docker run"):
        table.add_column(col, justify="right" if col else "left")
    for key, values in times.items():
        p50 = statistics.median(values)
        table.add_row(
            key, f"{p50 * 1000:.0f}", f"{min(values) * 1000:.0f}", f"{max(values) * 1000:.0f}", f"{p50 / base:.2f}"
        )
    console.print(table)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    asyncio.run(main(parser.parse_args().rounds))
