"""Faults heal (issue 15): a dead Playwright driver is replaced, the family's health hook reports what
cannot serve, a killed process leaves no browser behind; and the plain-text parser is bounded."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

from web_helpers import NEEDS_CHROMIUM, SHARED, element, shop

from envgym.kernel.context import EnvContext
from envgym.protocol import Action, EpisodeStatus
from envgym_web import processes
from envgym_web.environment import WebEnvironment
from envgym_web.runtime import WebRuntime

ROOT = Path(__file__).resolve().parents[2]


def processes_with(arg: str) -> list[int]:
    """The pids of the processes with this exact argument on their command line."""
    return [pid for pid in processes._pids() if arg.encode() in processes._cmdline(pid)]


def test_the_plain_text_parser_is_linear_in_the_reply():
    # Each of these took seconds or more in the old backtracking parser (32,000 spaces: 10.5 s, and it
    # grows with the square of the length). Run under a CPU-time limit, so a slow parser is killed
    # however loaded the machine is; every reply is an ordinary InvalidAction.
    script = textwrap.dedent("""
        import resource
        resource.setrlimit(resource.RLIMIT_CPU, (20, 20))
        from envgym.protocol.errors import InvalidAction
        from envgym.protocol import Action
        from envgym_web.actions import parse_action
        n = 400_000
        replies = [" " * n, " " * n + "click(", "click(" + " " * n + ")", "`" * n, "a" * n + "(", "(" * n,
                   "click(" + "[" * 5000 + "]" * 5000 + ")", "type(1, " + '"' + "\\\\" * n + '")',
                   "\\n".join(["click(x)"] * n), " \\t" * n + "done", "click(" + "9" * 4000 + ")",
                   "click(1" + ", 1" * 1500 + ")", "drag(via=" + str([[1, 2]] * 500) + ", from_id=1, to_id=2)"]
        for reply in replies:
            try:
                parse_action(Action(content=reply))
            except InvalidAction:
                pass
            else:
                raise SystemExit("parsed: " + reply[:40])
        print("ok", resource.getrusage(resource.RUSAGE_SELF).ru_utime)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0 and done.stdout.startswith("ok"), (done.returncode, done.stderr[-2000:])


@NEEDS_CHROMIUM[0]
@NEEDS_CHROMIUM[1]
async def test_a_dead_playwright_driver_ends_only_its_episodes_and_is_replaced():
    ctx = EnvContext(sandbox="process", settings={"web.chromium_args": ["--envgym-test=driver-death"]})
    runtime = WebRuntime.get()
    try:
        assert await WebEnvironment.health(ctx) is None
        env = WebEnvironment("shop", context=ctx)
        reset = await env.reset(shop("order-count"))
        restarts = runtime.driver_restarts
        [driver] = processes.driver_pids()
        os.kill(driver, signal.SIGKILL)
        step = await env.step(Action.call("click", id=element(reset, "link", "Orders")))
        assert step.done and step.status is EpisodeStatus.env_error
        assert "Playwright driver process died" in step.info["error"]["message"]
        await env.close()

        assert await WebEnvironment.health(ctx) is None  # the check itself brings up a new driver
        assert (
            runtime.driver_restarts == restarts + 1
            and processes.driver_pids()
            and driver not in processes.driver_pids()
        )
        later = WebEnvironment("shop", context=ctx)
        await later.reset(shop("order-count"))
        done = await later.step(Action.call("answer", text="3"))
        assert done.reward == 1.0 and done.status is EpisodeStatus.completed
    finally:
        await ctx.aclose()


@NEEDS_CHROMIUM[0]
@NEEDS_CHROMIUM[1]
async def test_health_names_a_missing_browser():
    ctx = EnvContext(sandbox="process", settings={"web.chromium_path": "/nonexistent/chromium"})
    reason = await WebEnvironment.health(ctx)
    assert reason is not None and "/nonexistent/chromium" in reason and "web.chromium_path" in reason


@NEEDS_CHROMIUM[0]
@NEEDS_CHROMIUM[1]
def test_a_killed_process_leaves_no_browser_and_orphans_are_found():
    marker = f"--envgym-test=kill-{uuid.uuid4().hex[:8]}"
    script = textwrap.dedent(f"""
        import asyncio, sys
        from envgym.kernel.context import EnvContext
        from envgym_web.environment import WebEnvironment
        async def main():
            ctx = EnvContext(sandbox="process", settings={{"web.chromium_args": ["{marker}"]}})
            env = WebEnvironment("shop", context=ctx)
            await env.reset(WebEnvironment.get_task("shop", "order-count"))
            print("ready", flush=True)
            await asyncio.sleep(600)
        asyncio.run(main())
    """)

    for sig in (signal.SIGKILL, signal.SIGTERM):
        child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=ROOT)
        try:
            assert child.stdout.readline().strip() == "ready"
            assert processes_with(marker)
            child.send_signal(sig)
            child.wait(timeout=60)
        finally:
            child.kill()
        # The browser exits once its driver's pipe closes; poll (bounded) for it to be gone.
        for _ in range(200):
            if not processes_with(marker):
                break
            asyncio.run(asyncio.sleep(0.05))
        assert not processes_with(marker), f"a browser outlived its process after {sig.name}"

    # A browser whose driver is gone is an orphan (swept at the runtime's first start); a stand-in
    # process with the marker switch and no driver parent is listed, a live episode's browser is not.
    fake = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", "--envgym-browser=stand-in"])
    try:
        for _ in range(100):
            if fake.pid in processes.orphaned_browsers():
                break
            asyncio.run(asyncio.sleep(0.05))
        assert fake.pid in processes.orphaned_browsers()
        env = WebEnvironment("shop", context=SHARED)
        sync = env.sync()
        sync.reset(shop("order-count"))
        live = env.lease.slot.pid()
        assert live is not None and live not in processes.orphaned_browsers()
        sync.close()
    finally:
        fake.kill()
        fake.wait()


async def test_a_hosts_sessions_hold_the_runtime_once_and_release_it_with_the_host():
    from envgym.host.tracking import TrackedContext

    runtime = WebRuntime()  # not started: holding needs no browser
    root = TrackedContext(sandbox="process")
    for _ in range(5):
        runtime.hold(root.child())
    assert len(runtime._holders) == 1  # a server's holders do not grow with every session
    await root.aclose()
    assert not runtime._holders and runtime.loop.is_closed()


def test_a_launcher_script_that_does_not_exec_is_neither_the_browser_nor_an_orphan_under_its_driver(tmp_path):
    # Debian's chromium-headless-shell is `#!/bin/sh` running the browser without exec, so the
    # launcher and the browser both carry the switches. The browser's pid is the launcher's child, and
    # under a live driver neither is an orphan (before, the browser was: its parent is no driver, and
    # any envgym process starting on the host would have killed it).
    launcher = tmp_path / "launcher"
    launcher.write_text(f'#!/bin/sh\n{sys.executable} -c "import time; time.sleep(600)" "$@"\n')
    launcher.chmod(0o755)
    mark = f"--envgym-browser=launcher-{uuid.uuid4().hex[:8]}"
    driver_code = f"import subprocess, time; subprocess.Popen([{str(launcher)!r}, {mark!r}]); time.sleep(600)"
    driver = subprocess.Popen([sys.executable, "-c", driver_code, "run-driver"])
    try:
        for _ in range(200):
            if len(processes_with(mark)) == 2:
                break
            asyncio.run(asyncio.sleep(0.05))
        shell, browser = sorted(
            processes_with(mark), key=lambda pid: processes._stat(pid)[1] == driver.pid, reverse=True
        )
        assert processes._stat(shell)[1] == driver.pid and processes._stat(browser)[1] == shell
        assert processes.browser_pid(mark.split("=", 1)[1]) == browser
        assert not {shell, browser} & set(processes.orphaned_browsers())
        # The control: once the driver is gone, the launcher and its browser are both orphans.
        driver.kill()
        driver.wait()
        for _ in range(100):
            if {shell, browser} <= set(processes.orphaned_browsers()):
                break
            asyncio.run(asyncio.sleep(0.05))
        assert {shell, browser} <= set(processes.orphaned_browsers())
    finally:
        driver.kill()
        driver.wait()
        for pid in processes_with(mark):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
