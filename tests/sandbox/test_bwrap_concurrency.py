"""The bwrap provider under concurrency: many sandboxes in one event loop (asyncio's and uvloop's).

Regressions for execs failing with "the command's output pipes stayed open after it was killed"
(and, under uvloop, with EBADF / EEXIST / "Socket operation on non-socket"):
  * closing a sandbox closed its control socket while asyncio's selector still watched it, so the
    next exec's output pipe, which reused that descriptor number, was never polled (no EOF);
  * under uvloop, a stdin feeder cancelled while ``connect_write_pipe`` was still connecting had
    its descriptor closed by uvloop but not its file object, whose garbage collection later closed
    whatever pipe or socket had reused the number.
"""

from __future__ import annotations

import asyncio
import gc
import os
import signal
from typing import Awaitable, Callable

import pytest
from sandbox_helpers import eventually

from envgym.protocol.errors import SandboxError
from envgym.sandbox import SandboxSpec
from envgym.sandbox.bwrap import BwrapProvider

SANDBOXES = 16
ROUNDS = 2  # each worker closes its sandbox and makes a new one while the others are executing
EXECS = 4


def _provider() -> BwrapProvider:
    provider = BwrapProvider()
    ok, why = provider.available()
    if not ok:
        pytest.skip(why)
    return provider


def _runners() -> list[pytest.param]:
    def with_uvloop(main: Callable[[], Awaitable[None]]) -> None:
        uvloop = pytest.importorskip("uvloop")
        uvloop.run(main())

    return [pytest.param(lambda main: asyncio.run(main()), id="asyncio"), pytest.param(with_uvloop, id="uvloop")]


async def _worker(provider: BwrapProvider, i: int) -> list[str]:
    """One sandbox running a few execs, then closing while the other sandboxes are still busy."""
    problems = []
    for round_ in range(ROUNDS):
        box = await provider.create(SandboxSpec(network="none"))
        try:
            for k in range(EXECS):
                # Alternate: stdin that is read, stdin the command exits without reading, none.
                stdin = b"x" * 1000 if k % 3 < 2 else None
                cmd = f"echo {i}-{k}; ls > /dev/null; " + ("wc -c" if k % 3 == 0 else "echo 0")
                try:
                    result = await box.exec(cmd, stdin=stdin)
                except SandboxError as exc:
                    problems.append(f"sandbox {i}.{round_} exec {k}: {exc}")
                    continue
                want = f"{i}-{k}\n{1000 if k % 3 == 0 else 0}\n"
                if (result.exit_code, result.stdout) != (0, want):
                    problems.append(
                        f"sandbox {i}.{round_} exec {k}: {result.exit_code} {result.stdout!r} {result.stderr!r}"
                    )
        finally:
            await box.close()
    return problems


@pytest.mark.parametrize("run", _runners())
def test_sixteen_sandboxes_exec_concurrently_without_errors(run):
    provider = _provider()

    async def main() -> None:
        sentinel_r, sentinel_w = os.pipe()  # a descriptor nobody but this test may close
        try:
            results = await asyncio.gather(*(_worker(provider, i) for i in range(SANDBOXES)))
            gc.collect()  # would close stale descriptor numbers left to file objects
            os.write(sentinel_w, b"ok")
            assert os.read(sentinel_r, 2) == b"ok"
        finally:
            os.close(sentinel_r)
            os.close(sentinel_w)
        problems = [p for worker in results for p in worker]
        assert problems == []

    run(main)


@pytest.mark.parametrize("run", _runners())
def test_closing_a_sandbox_while_another_execs(run):
    """The exact race: one sandbox closes (its socket's number is freed) while another exec opens pipes."""
    provider = _provider()

    async def main() -> None:
        keep = await provider.create(SandboxSpec(network="none"))
        try:
            for round_ in range(3):
                doomed = await provider.create(SandboxSpec(network="none"))
                _, result = await asyncio.wait_for(asyncio.gather(doomed.close(), keep.exec(f"echo {round_}")), 30)
                assert (result.exit_code, result.stdout) == (0, f"{round_}\n")
        finally:
            await keep.close()

    run(main)


@pytest.mark.parametrize("run", _runners())
def test_many_senders_wait_for_a_full_control_socket(run):
    """Requests queue up while the init is stopped until the socket is full; every sender must get
    through once it drains (one waiting sender must not replace another's wake-up)."""
    provider = _provider()

    async def main() -> None:
        box = await provider.create(SandboxSpec(network="none"))
        try:
            init = box.pid  # the sandbox's PID 1
            bulk = {"FILLER": "y" * 40_000}  # under the inline limit: each request is one ~40 kB packet
            os.kill(init, signal.SIGSTOP)
            try:
                execs = [asyncio.ensure_future(box.exec(["/usr/bin/printf", str(i)], env=bulk)) for i in range(8)]
                await eventually(lambda: box._channel._send_waiters, what="the requests filling the control socket")
            finally:
                os.kill(init, signal.SIGCONT)
            results = await asyncio.wait_for(asyncio.gather(*execs), 60)
            assert [r.stdout for r in results] == [str(i) for i in range(8)]
        finally:
            await box.close()

    run(main)


@pytest.mark.parametrize("run", _runners())
def test_every_path_closes_exactly_the_descriptors_it_opened(run):
    """Successes, errors, timeouts, cancellations and big requests: the host ends with the
    descriptors it started with (none leaked, none closed twice)."""
    provider = _provider()

    async def main() -> None:
        box = await provider.create(SandboxSpec(network="none"))
        try:
            await box.exec("true")  # the loop's own descriptors exist from here on
            before = sorted(os.listdir("/proc/self/fd"))
            await box.write_file("a.txt", "x" * 200_000)
            assert len(await box.read_file("a.txt")) == 200_000
            with pytest.raises(SandboxError):
                await box.read_file("missing.txt")
            assert (await box.exec("wc -c", stdin="y" * 300_000)).stdout.strip() == "300000"
            assert (await box.exec("true", stdin="unread" * 50_000)).exit_code == 0
            assert (await box.exec("echo " + "z" * 60_000 + " | wc -c")).stdout.strip() == "60001"
            assert (await box.exec("sleep 5", timeout=0.2)).timed_out
            with pytest.raises(SandboxError):
                await box.exec("true", cwd="no/such/dir")
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(box.exec("sleep 5", stdin="w" * 100_000), 0.3)
            assert (await box.exec("echo fine")).stdout == "fine\n"
            gc.collect()
            assert sorted(os.listdir("/proc/self/fd")) == before
        finally:
            await box.close()

    run(main)
