"""Protocol benchmark: steps/s and p50/p99 step latency of the envgym server over REST and over
WebSocket, against the trivial ``debug/counter`` environment.

* closed loops: 1, 64 and 1,000 concurrent sessions, each stepping as fast as its replies come;
* open loop: 1,000 sessions open and 200 steps/s offered in total (latency measured from the
  scheduled send time, so queueing is counted).

The server runs in its own process (``envgym serve``, started here unless ``--url`` is given); this
script is the load generator. It prints figures and never asserts on them.

With ``--floor`` (the default when the server is started here), every closed loop also runs against
the bare-app floor (``protocol_floor.py``: a plain ASGI app answering the same shapes under the same
uvicorn settings), interleaved with envgym round by round, and the summary prints the server CPU
per step of both and their ratio (issue 17's targets: REST <= 2.5x, WebSocket <= 1.5x).

    .venv/bin/python benchmarks/protocol.py                 # everything, ~3 minutes
    .venv/bin/python benchmarks/protocol.py --duration 5 --sessions 1 64 --no-open-loop
    .venv/bin/python benchmarks/protocol.py --load-procs 2    # closed loops driven by 2 load-generator processes
    .venv/bin/python benchmarks/protocol.py --sessions 64 --transports rest-raw ws --rounds 3 --no-open-loop
"""

from __future__ import annotations

import argparse
import asyncio
import json
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
    server: str = "envgym"

    @property
    def server_ms_per_step(self) -> float:
        return 1000 * self.server_cpu_s / len(self.latencies) if self.latencies else float("nan")

    @property
    def client_ms_per_step(self) -> float:
        return 1000 * self.client_cpu_s / len(self.latencies) if self.latencies else float("nan")

    def row(self) -> list[str]:
        lat = sorted(self.latencies)
        p = (lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000) if lat else (lambda q: float("nan"))
        rate = len(lat) / self.duration_s if self.duration_s else 0.0
        return [
            self.server,
            self.name,
            self.transport,
            str(self.sessions),
            f"{len(lat)}",
            f"{rate:,.0f}",
            f"{p(0.5):.2f}",
            f"{p(0.99):.2f}",
            f"{statistics.fmean(lat) * 1000 if lat else float('nan'):.2f}",
            str(self.errors),
            f"{100 * self.server_cpu_s / self.duration_s if self.duration_s else 0:.0f}%",
            f"{100 * self.client_cpu_s / self.duration_s if self.duration_s else 0:.0f}%",
            f"{self.server_ms_per_step:.3f}",
            f"{self.client_ms_per_step:.3f}",
        ]


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


class RawRestEpisode:
    """Steps one session over its own keep-alive HTTP/1.1 connection with hand-written requests: a load
    generator that costs a small fraction of the server's CPU per step, so the figure is the server's.
    The session is opened and closed with envgym's client; every reply is checked for status 200."""

    def __init__(self, client: AsyncClient, episode) -> None:
        self.client, self.episode = client, episode
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def connect(self) -> None:
        url = httpx.URL(self.client.base_url)
        self.reader, self.writer = await asyncio.open_connection(url.host, url.port)
        self.host = f"{url.host}:{url.port}".encode()

    async def step(self, action: Action) -> None:
        assert self.reader is not None and self.writer is not None
        body = ('{"action":' + action.model_dump_json(exclude_none=True) + "}").encode()
        self.writer.write(
            b"POST /v1/sessions/"
            + self.episode.session_id.encode()
            + b"/step HTTP/1.1\r\nHost: "
            + self.host
            + b"\r\ncontent-type: application/json\r\ncontent-length: "
            + str(len(body)).encode()
            + b"\r\n\r\n"
            + body
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = head[9:12]
        length = next(
            int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line[:15].lower() == b"content-length:"
        )
        reply = await self.reader.readexactly(length)
        if status != b"200":
            raise RuntimeError(f"HTTP {status.decode()}: {reply[:200]!r}")

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        await self.episode.close()


async def open_episodes(client: AsyncClient, n: int, websocket: bool, raw: bool = False) -> list:
    sem = asyncio.Semaphore(100)

    async def one():
        async with sem:
            episode = client.episode(ENV_ID, options=OPTIONS, websocket=websocket)
            await episode.reset(TASK_ID)
            if raw:
                episode = RawRestEpisode(client, episode)
                await episode.connect()
            return episode

    return list(await asyncio.gather(*(one() for _ in range(n))))


async def close_episodes(episodes: list) -> None:
    sem = asyncio.Semaphore(100)

    async def one(ep):
        async with sem:
            await ep.close()

    await asyncio.gather(*(one(ep) for ep in episodes), return_exceptions=True)


async def closed_loop(
    client: AsyncClient,
    server_pid: int | None,
    transport: str,
    sessions: int,
    duration: float,
    warmup: float,
    start_at: float | None = None,
) -> Run:
    """``start_at`` (a ``time.time()``): begin stepping then, so load-generator processes share one window."""
    run = Run("closed loop", transport, sessions)
    episodes = await open_episodes(client, sessions, transport == "ws", raw=transport == "rest-raw")
    if start_at is not None:
        await asyncio.sleep(max(0.0, start_at - time.time()))
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


async def open_loop(
    client: AsyncClient, server_pid: int | None, transport: str, sessions: int, rate: float, duration: float
) -> Run:
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


async def closed_loop_in_processes(
    url: str, server_pid: int | None, transport: str, sessions: int, duration: float, warmup: float, procs: int
) -> Run:
    """The closed loop with its sessions split over ``procs`` load-generator processes (one Python
    process cannot drive REST faster than its HTTP client's CPU cost per request allows)."""
    shares = [sessions // procs + (1 if i < sessions % procs else 0) for i in range(procs)]
    start_at = time.time() + 3 + sessions / 200  # room for every process to open its sessions
    children = [
        subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--worker",
                url,
                transport,
                str(share),
                str(duration),
                str(warmup),
                str(start_at),
            ],
            stdout=subprocess.PIPE,
        )
        for share in shares
        if share
    ]
    await asyncio.sleep(max(0.0, start_at + warmup - time.time()))
    cpu0 = cpu_seconds(server_pid) if server_pid else 0.0
    await asyncio.sleep(duration)
    server_cpu = (cpu_seconds(server_pid) - cpu0) if server_pid else 0.0
    run = Run("closed loop", transport, sessions, server_cpu_s=server_cpu)
    durations = []
    for child in children:
        out, _ = await asyncio.get_running_loop().run_in_executor(None, child.communicate)
        part = json.loads(out)
        run.latencies += part["latencies"]
        run.errors += part["errors"]
        run.first_error = run.first_error or part["first_error"]
        run.client_cpu_s += part["client_cpu_s"]
        durations.append(part["duration_s"])
    run.duration_s = max(durations)
    run.name = f"closed loop ({len(children)} load procs)"
    return run


async def worker_main(url: str, transport: str, sessions: int, duration: float, warmup: float, start_at: float) -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (resource.getrlimit(resource.RLIMIT_NOFILE)[1],) * 2)
    async with AsyncClient(url, max_connections=sessions, timeout=120) as client:
        run = await closed_loop(client, None, transport, sessions, duration, warmup, start_at)
    print(
        json.dumps(
            {
                "latencies": run.latencies,
                "errors": run.errors,
                "first_error": run.first_error,
                "client_cpu_s": run.client_cpu_s,
                "duration_s": run.duration_s,
            }
        )
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_ready(proc: subprocess.Popen, url: str, what: str) -> tuple[subprocess.Popen, str]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited with code {proc.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"{what} did not start within 120 s")


def start_server(max_sessions: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    envgym = shutil.which("envgym", path=str(Path(sys.executable).parent)) or "envgym"
    env = {k: v for k, v in os.environ.items() if k != "ENVGYM_TOKEN"}
    proc = subprocess.Popen(
        [
            envgym,
            "serve",
            "--port",
            str(port),
            "--max-sessions",
            str(max_sessions),
            "--sandbox",
            "process",
            "--log-level",
            "warning",
        ],
        env=env,
    )
    return _wait_ready(proc, f"http://127.0.0.1:{port}", "the server")


def start_floor() -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(Path(__file__).with_name("protocol_floor.py")), "--port", str(port)])
    return _wait_ready(proc, f"http://127.0.0.1:{port}", "the bare-app floor")


def print_table(runs: list[Run]) -> None:
    header = [
        "server",
        "run",
        "transport",
        "sessions",
        "steps",
        "steps/s",
        "p50 ms",
        "p99 ms",
        "mean ms",
        "errors",
        "server CPU",
        "client CPU",
        "server ms/step",
        "client ms/step",
    ]
    rows = [header] + [r.row() for r in runs]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for n, row in enumerate(rows):
        print("  ".join(cell.rjust(w) if i >= 3 else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths))))
        if n == 0:
            print("  ".join("-" * w for w in widths))


def print_floor_ratios(runs: list[Run]) -> None:
    """Median server (and client) CPU per step of envgym and of the floor over the rounds, and the ratio."""
    print("\nenvgym over the bare-app floor (median over the rounds; server CPU per step is the figure of issue 17):")
    rows = [
        [
            "transport",
            "sessions",
            "rounds",
            "envgym ms/step",
            "floor ms/step",
            "ratio",
            "target",
            "client ms/step (envgym)",
            "client ms/step (floor)",
        ]
    ]
    for transport, sessions in dict.fromkeys((r.transport, r.sessions) for r in runs if r.name.startswith("closed")):
        same = [r for r in runs if (r.transport, r.sessions) == (transport, sessions) and r.name.startswith("closed")]
        ours = [r for r in same if r.server == "envgym" and r.latencies]
        floor = [r for r in same if r.server == "floor" and r.latencies]
        if not ours or not floor:
            continue
        mine, base = (
            statistics.median(r.server_ms_per_step for r in ours),
            statistics.median(r.server_ms_per_step for r in floor),
        )
        rows.append(
            [
                transport,
                str(sessions),
                str(min(len(ours), len(floor))),
                f"{mine:.3f}",
                f"{base:.3f}",
                f"{mine / base:.2f}x",
                "<= 1.5x" if transport == "ws" else "<= 2.5x",
                f"{statistics.median(r.client_ms_per_step for r in ours):.3f}",
                f"{statistics.median(r.client_ms_per_step for r in floor):.3f}",
            ]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for n, row in enumerate(rows):
        print("  ".join(cell.rjust(w) if i >= 1 else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths))))
        if n == 0:
            print("  ".join("-" * w for w in widths))


async def main(args: argparse.Namespace) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    proc, url = (None, args.url) if args.url else start_server(max(args.sessions) + 64)
    floor_proc, floor_url = start_floor() if args.floor else (None, None)
    runs: list[Run] = []
    try:
        targets = [("envgym", url, proc.pid if proc else None)]
        if floor_proc is not None:
            targets.append(("floor", floor_url, floor_proc.pid))
        clients = {name: AsyncClient(u, max_connections=max(args.sessions), timeout=120) for name, u, _ in targets}
        for sessions in args.sessions:
            for transport in args.transports:
                for round_no in range(args.rounds if floor_proc is not None else 1):
                    # Interleaved, and each round starts with the other server, so drift favours neither.
                    for name, target_url, pid in targets if round_no % 2 == 0 else targets[::-1]:
                        procs = args.load_procs if sessions >= args.load_procs else 1
                        if procs > 1:
                            run = await closed_loop_in_processes(
                                target_url, pid, transport, sessions, args.duration, args.warmup, procs
                            )
                        else:
                            run = await closed_loop(clients[name], pid, transport, sessions, args.duration, args.warmup)
                        run.server = name
                        runs.append(run)
                        print(
                            f"... {name} {run.name} {transport} x{sessions}: {len(run.latencies) / run.duration_s:,.0f} "
                            f"steps/s, server {run.server_ms_per_step:.3f} ms/step",
                            flush=True,
                        )
        if args.open_loop:
            for transport in [t for t in args.transports if t != "rest-raw"]:
                run = await open_loop(
                    clients["envgym"], proc.pid if proc else None, transport, 1000, args.rate, args.duration
                )
                runs.append(run)
        health = await clients["envgym"].healthz()
        for client in clients.values():
            await client.aclose()
    finally:
        for p in (proc, floor_proc):
            if p is not None:
                p.send_signal(signal.SIGTERM)
                p.wait(60)
    print()
    print(
        f"envgym protocol benchmark: {ENV_ID}, server {'at ' + url if args.url else 'in its own process'}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end, {args.duration:g} s per run"
    )
    print(
        "server/client CPU = CPU time of that process over the run's wall time (100% = one core); ms/step = CPU time\n"
        "per step, the figure to compare on a shared machine (wall-clock rates move with other processes' load)"
    )
    print_table(runs)
    print(f"sessions open after the runs: {health['sessions_open']}")
    print(TARGETS)
    if floor_proc is not None:
        print_floor_ratios(runs)
    for r in runs:
        if r.errors:
            print(f"  {r.server} {r.name} {r.transport} x{r.sessions}: first error {r.first_error}")


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="benchmark a running server instead of starting one")
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 64, 1000])
    parser.add_argument(
        "--transports",
        nargs="+",
        choices=["rest", "rest-raw", "ws"],
        default=["rest", "rest-raw", "ws"],
        help="rest: envgym's AsyncClient (httpx); rest-raw: the same REST calls from a minimal "
        "HTTP/1.1 load generator, so the figure is the server's; ws: envgym's WebSocket client",
    )
    parser.add_argument("--duration", type=float, default=10.0, help="seconds measured per run")
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--rate", type=float, default=200.0, help="offered steps/s of the open-loop runs")
    parser.add_argument("--no-open-loop", dest="open_loop", action="store_false")
    parser.add_argument(
        "--floor",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also run every closed loop against the bare-app floor (protocol_floor.py), interleaved, "
        "and print the CPU-per-step ratio (default: on unless --url is given)",
    )
    parser.add_argument("--rounds", type=int, default=3, help="with --floor: interleaved rounds per closed loop")
    parser.add_argument(
        "--load-procs",
        type=int,
        default=1,
        help="split each closed loop's sessions over this many "
        "load-generator processes (client CPU is summed over them)",
    )
    args = parser.parse_args()
    if args.floor is None:
        args.floor = not args.url
    return args


if __name__ == "__main__":
    try:  # the load generator runs on uvloop when it is installed (it comes with uvicorn[standard])
        import uvloop
    except ImportError:
        uvloop = None
    run_loop = uvloop.run if uvloop is not None else asyncio.run
    if sys.argv[1:2] == ["--worker"]:  # one load-generator process of closed_loop_in_processes
        url, transport, sessions, duration, warmup, start_at = sys.argv[2:8]
        run_loop(worker_main(url, transport, int(sessions), float(duration), float(warmup), float(start_at)))
    else:
        run_loop(main(parse()))
