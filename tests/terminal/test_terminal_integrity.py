"""Reward integrity (docs/architecture.md §7): an agent that forges a reward file, plants fake tests, leaves a
daemon behind, poisons the verifier's Python or fills the disk gets no reward, and the next episode
is unaffected."""

from __future__ import annotations

import asyncio

from terminal_helpers import SANDBOX, needs_bwrap, write_task

from envgym.agents.builtin import NopAgent, OracleAgent
from envgym.agents.loop import run_episode
from envgym.protocol import Action
from envgym_terminal import TerminalEnvironment, tasks_in

# The task passes only if done.txt says yes; the cheats below never create it.
TEST_SH = """\
/usr/bin/python3 -c 'print("verifier python ran")'
if [ "$(cat done.txt 2>/dev/null)" = yes ]; then echo 1 > /logs/verifier/reward.txt; else echo 0 > /logs/verifier/reward.txt; fi
"""
SOLVE_SH = "echo yes > done.txt\n"

FORGE = r"""
mkdir -p logs/verifier tests /tmp/logs/verifier /tmp/tests 2>/dev/null
for d in logs/verifier /tmp/logs/verifier; do echo 1 > $d/reward.txt; echo '{"reward": 1}' > $d/reward.json; done
mkdir -p /logs/verifier 2>/dev/null && echo 1 > /logs/verifier/reward.txt
printf '#!/bin/bash\necho 1 > /logs/verifier/reward.txt\n' | tee tests/test.sh /tmp/tests/test.sh > /dev/null
# Pre-create directories shaped like mktemp's, each holding a forged reward.
for i in $(seq 1 300); do d=/tmp/tmp.$(head -c 6 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 10); mkdir -p $d/logs/verifier $d/tests; echo 1 > $d/logs/verifier/reward.txt; done
echo planted
"""

POISON_PYTHON = r"""
site=$(/usr/bin/python3 -c 'import site; print(site.getusersitepackages())')
mkdir -p "$site"
cat > "$site/usercustomize.py" <<'PY'
import atexit, glob
def forge():
    for d in glob.glob("/tmp/*/logs/verifier") + glob.glob("/tmp/**/logs/verifier", recursive=True):
        open(d + "/reward.txt", "w").write("1")
atexit.register(forge)
PY
printf 'forge\n' > ~/.bashrc; echo poisoned
"""

DAEMON = r"""
setsid nohup bash -c 'while true; do for d in /tmp/*/logs/verifier /tmp/*/*/logs/verifier; do [ -d "$d" ] && echo 1 > "$d/reward.txt"; done; sleep 0.005; done' >/dev/null 2>&1 < /dev/null &
disown; echo started
"""


async def cheat(ctx, task, commands: list[str]) -> tuple[float, str, dict]:
    env = TerminalEnvironment(task.suite, context=ctx)
    try:
        await env.reset(task)
        for command in commands:
            await env.step(Action.call("bash", command=command))
        result = await env.step(Action.call("submit"))
        return result.reward, result.info["status"], result.grade.details or {}
    finally:
        await env.close()


async def then_an_honest_episode_scores(ctx, task) -> None:
    oracle = await run_episode(TerminalEnvironment(task.suite, context=ctx), OracleAgent(), task, TerminalEnvironment)
    nop = await run_episode(TerminalEnvironment(task.suite, context=ctx), NopAgent(), task, TerminalEnvironment)
    assert (oracle.status.value, oracle.reward, nop.status.value, nop.reward) == ("completed", 1.0, "completed", 0.0)


async def test_forged_reward_files_and_fake_tests_earn_nothing(ctx, tmp_path):
    task = tasks_in(write_task(tmp_path, "guarded", test_sh=TEST_SH, solve_sh=SOLVE_SH))[0]
    reward, status, details = await cheat(ctx, task, [FORGE, POISON_PYTHON])
    assert (reward, status) == (0.0, "completed")
    assert "verifier python ran" in details["test_output"]
    await then_an_honest_episode_scores(ctx, task)


@needs_bwrap
async def test_a_daemon_left_behind_earns_nothing(ctx, tmp_path):
    task = tasks_in(write_task(tmp_path, "guarded", test_sh="sleep 0.5\n" + TEST_SH, solve_sh=SOLVE_SH))[0]
    reward, status, _ = await cheat(ctx, task, [DAEMON, "sleep 0.2; echo still here"])
    assert (reward, status) == (0.0, "completed")
    await then_an_honest_episode_scores(ctx, task)


@needs_bwrap
async def test_filling_the_disk_earns_nothing_and_breaks_nothing(ctx, tmp_path):
    task = tasks_in(
        write_task(tmp_path, "small-disk", test_sh=TEST_SH, solve_sh=SOLVE_SH, toml="[environment]\nstorage_mb = 48\n")
    )[0]
    fill = "cat /dev/zero > fill.bin; cat /dev/zero > /tmp/fill2.bin; i=0; while : > f$i 2>/dev/null && [ $i -lt 2000 ]; do i=$((i+1)); done; df -k . | tail -1"
    reward, status, details = await cheat(ctx, task, [fill])
    assert reward == 0.0 and status in ("completed", "grader_error")
    await then_an_honest_episode_scores(ctx, task)


async def test_sixteen_concurrent_episodes_are_graded_correctly(ctx, tmp_path):
    task = tasks_in(
        write_task(tmp_path, "conc", test_sh=TEST_SH, solve_sh=SOLVE_SH, setup_sh="echo start > state.txt\n")
    )[0]

    async def one(i: int):
        agent = OracleAgent() if i % 2 == 0 else NopAgent()
        return i, await run_episode(TerminalEnvironment(task.suite, context=ctx), agent, task, TerminalEnvironment)

    results = await asyncio.gather(*(one(i) for i in range(16)))
    got = [(r.status.value, r.reward) for _i, r in sorted(results, key=lambda x: x[0])]
    assert got == [("completed", 1.0), ("completed", 0.0)] * 8, (SANDBOX, got, [r.error for _i, r in results])
