"""Protocol benchmark: steps/s and p50/p99 step latency of the envgym server over REST and over
WebSocket, against the trivial ``debug/counter`` environment.

* closed loops: 1, 64 and 1,000 concurrent sessions, each stepping as fast as its replies come;
* open loop: 1,000 sessions open and 200 steps/s offered in total (latency measured from the
  scheduled send time, so queueing is counted).

The server runs in its own process (``envgym serve``, started here unless ``--url`` is given); this
script is the load generator. It prints figures and never asserts on them.

    .venv/bin/python benchmarks/protocol.py                 # everything, ~3 minutes
    .venv/bin/python benchmarks/protocol.py --duration 5 --sessions 1 64 --no-open-loop
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from envgym.client import AsyncClient
from envgym.protocol import Action

ENV_ID, TASK_ID = "debug/counter", "count-to-8"
OPTIONS = {"max_turns": 10**9}  # the episode never ends on its own during a run
TARGETS = "targets: >= 2,000 steps/s WS and >= 800 REST at 64 sessions; 1,000 within 20% of 64; open-loop p99 < 50 ms"


@dataclass
class Run:
    name: str
    transport: str
    sessions: int
    duration_s: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str = ""
    server_cpu_s: float = 0.0
    client_cpu_s: float = 0.0

    def row(self) -> list[str]:
        lat = sorted(self.latencies)
        p = (lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000) if lat else (lambda q: float("nan"))
        rate = len(lat) / self.duration_s if self.duration_s else 0.0
        return [self.name, self.transport, str(self.sessions), f"{len(lat)}", f"{rate:,.0f}", f"{p(0.5):.2f}",
                f"{p(0.99):.2f}", f"{statistics.fmean(lat) * 1000 if lat else float('nan'):.2f}", str(self.errors),
                f"{100 * self.server_cpu_s / self.duration_s if self.duration_s else 0:.0f}%",
                f"{100 * self.client_cpu_s / self.duration_s if self.duration_s else 0:.0f}%",
                f"{1000 * self.server_cpu_s / len(lat) if lat else float('nan'):.3f}",
                f"{1000 * self.client_cpu_s / len(lat) if lat else float('nan'):.3f}"]


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


async def open_episodes(client: AsyncClient, n: int, websocket: bool) -> list:
    sem = asyncio.Semaphore(100)

    async def one():
        async with sem:
            episode = client.episode(ENV_ID, options=OPTIONS, websocket=websocket)
            await episode.reset(TASK_ID)
            return episode

    return list(await asyncio.gather(*(one() for _ in range(n))))


async def close_episodes(episodes: list) -> None:
    sem = asyncio.Semaphore(100)

    async def one(ep):
        async with sem:
            await ep.close()

    await asyncio.gather(*(one(ep) for ep in episodes), return_exceptions=True)


async def closed_loop(client: AsyncClient, server_pid: int | None, transport: str, sessions: int, duration: float,
                      warmup: float) -> Run:
    run = Run("closed loop", transport, sessions)
    episodes = await open_episodes(client, sessions, transport == "ws")
    action = Action.call("increment")
    measuring = False
    stop = False

    async def worker(ep) -> None:
        while not stop:
            started = time.perf_counter()
            try:
                await ep.step(action)
            except Exception as exc:  # noqa: BLE001 — count every failure
                if measuring:
                    run.errors += 1
                    run.first_error = run.first_error or repr(exc)
                continue
            if measuring:
                run.latencies.append(time.perf_counter() - started)

    tasks = [asyncio.ensure_future(worker(ep)) for ep in episodes]
    await asyncio.sleep(warmup)
    measuring = True
    cpu0, ccpu0, t0 = cpu_seconds(server_pid) if server_pid else 0.0, time.process_time(), time.perf_counter()
    await asyncio.sleep(duration)
    measuring = False
    run.duration_s = time.perf_counter() - t0
    run.server_cpu_s = (cpu_seconds(server_pid) - cpu0) if server_pid else 0.0
    run.client_cpu_s = time.process_time() - ccpu0
    stop = True
    await asyncio.gather(*tasks, return_exceptions=True)
    await close_episodes(episodes)
    return run


async def open_loop(client: AsyncClient, server_pid: int | None, transport: str, sessions: int, rate: float,
                    duration: float) -> Run:
    run = Run(f"open loop {rate:g}/s", transport, sessions)
    episodes = await open_episodes(client, sessions, transport == "ws")
    idle = list(range(sessions))
    random.shuffle(idle)
    action = Action.call("increment")
    in_flight: set[asyncio.Task] = set()

    async def one(index: int, scheduled: float) -> None:
        try:
            await episodes[index].step(action)
            run.latencies.append(time.perf_counter() - scheduled)
        except Exception as exc:  # noqa: BLE001
            run.errors += 1
            run.first_error = run.first_error or repr(exc)
        finally:
            idle.append(index)

    cpu0, ccpu0, t0 = cpu_seconds(server_pid) if server_pid else 0.0, time.process_time(), time.perf_counter()
    total = int(rate * duration)
    for i in range(total):
        scheduled = t0 + i / rate  # a fixed schedule: a late send still counts from its planned time
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if not idle:
            run.errors += 1  # every session busy: the server is not keeping up with the offered load
            run.first_error = run.first_error or "all sessions busy"
            continue
        task = asyncio.ensure_future(one(idle.pop(), scheduled))
        in_flight.add(task)
        task.add_done_callback(in_flight.discard)
    await asyncio.gather(*list(in_flight))
    run.duration_s = time.perf_counter() - t0
    run.server_cpu_s = (cpu_seconds(server_pid) - cpu0) if server_pid else 0.0
    run.client_cpu_s = time.process_time() - ccpu0
    await close_episodes(episodes)
    return run


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(max_sessions: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    envgym = shutil.which("envgym", path=str(Path(sys.executable).parent)) or "envgym"
    env = {k: v for k, v in os.environ.items() if k != "ENVGYM_TOKEN"}
    proc = subprocess.Popen([envgym, "serve", "--port", str(port), "--max-sessions", str(max_sessions), "--sandbox", "process",
                             "--log-level", "warning"], env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with code {proc.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not start within 120 s")


def print_table(runs: list[Run]) -> None:
    header = ["run", "transport", "sessions", "steps", "steps/s", "p50 ms", "p99 ms", "mean ms", "errors", "server CPU", "client CPU",
              "server ms/step", "client ms/step"]
    rows = [header] + [r.row() for r in runs]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for n, row in enumerate(rows):
        print("  ".join(cell.rjust(w) if i >= 2 else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths))))
        if n == 0:
            print("  ".join("-" * w for w in widths))


async def main(args: argparse.Namespace) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    proc, url = (None, args.url) if args.url else start_server(max(args.sessions) + 64)
    runs: list[Run] = []
    try:
        async with AsyncClient(url, max_connections=max(args.sessions), timeout=120) as client:
            for sessions in args.sessions:
                for transport in args.transports:
                    run = await closed_loop(client, proc.pid if proc else None, transport, sessions, args.duration, args.warmup)
                    runs.append(run)
                    print(f"... {run.name} {transport} x{sessions}: {len(run.latencies) / run.duration_s:,.0f} steps/s", flush=True)
            if args.open_loop:
                for transport in args.transports:
                    run = await open_loop(client, proc.pid if proc else None, transport, 1000, args.rate, args.duration)
                    runs.append(run)
            health = await client.healthz()
    finally:
        if proc is not None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(60)
    print()
    print(f"envgym protocol benchmark: {ENV_ID}, server {'at ' + url if args.url else 'in its own process'}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end, {args.duration:g} s per run")
    print("server/client CPU = CPU time of that process over the run's wall time (100% = one core); ms/step = CPU time\n"
          "per step, the figure to compare on a shared machine (wall-clock rates move with other processes' load)")
    print_table(runs)
    print(f"sessions open after the runs: {health['sessions_open']}")
    print(TARGETS)
    for r in runs:
        if r.errors:
            print(f"  {r.name} {r.transport} x{r.sessions}: first error {r.first_error}")


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="benchmark a running server instead of starting one")
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 64, 1000])
    parser.add_argument("--transports", nargs="+", choices=["rest", "ws"], default=["rest", "ws"])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds measured per run")
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--rate", type=float, default=200.0, help="offered steps/s of the open-loop runs")
    parser.add_argument("--no-open-loop", dest="open_loop", action="store_false")
    return parser.parse_args()


if __name__ == "__main__":
    try:  # the load generator runs on uvloop when it is installed (it comes with uvicorn[standard])
        import uvloop
    except ImportError:
        uvloop = None
    (uvloop.run if uvloop is not None else asyncio.run)(main(parse()))
