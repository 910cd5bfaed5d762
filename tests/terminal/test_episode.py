"""Episodes of the terminal family: the bash tool's persistence and caps, submit, the turn and
wall-time limits (which grade the final state), and rewards that are errors rather than zeros."""

from __future__ import annotations

import json

import pytest
from terminal_helpers import write_task

from envgym.agents.builtin import NopAgent, OracleAgent
from envgym.agents.loop import run_episode
from envgym.protocol import Action
from envgym_terminal import TerminalEnvironment, tasks_in
from envgym_terminal.shell import ShellState, cap_text

PASS_IF_DONE = """\
if [ "$(cat done.txt 2>/dev/null)" = yes ]; then echo 1 > /logs/verifier/reward.txt; else echo 0 > /logs/verifier/reward.txt; fi
"""


def bash(command: str, call_id: str = "c1") -> Action:
    return Action.call("bash", call_id=call_id, command=command)


def tool_text(result) -> str:
    return "\n".join(m.text() for m in result.observation.messages)


async def start(ctx, tmp_path, name="t", **kw):
    kw.setdefault("test_sh", PASS_IF_DONE)
    task = tasks_in(write_task(tmp_path, name, **kw))[0]
    env = TerminalEnvironment("local", context=ctx)
    reset = await env.reset(task)
    return env, task, reset


async def test_commands_share_files_and_working_directory(ctx, tmp_path):
    env, _task, reset = await start(ctx, tmp_path, files={"data/in.txt": "hello\n"})
    try:
        assert [t.function.name for t in reset.observation.tools] == ["bash", "submit"]
        assert "[exit code: 0]" in tool_text(
            await env.step(bash("mkdir -p work/sub && cd work/sub && echo x > made.txt"))
        )
        out = tool_text(await env.step(bash("pwd; ls; cat ../../data/in.txt")))
        assert "/work/sub\n" in out and "made.txt" in out and "hello" in out
        # Shell variables do not persist (each call is a new process), the directory does.
        out = tool_text(await env.step(bash("export FOO=1; cd ..; echo ${FOO:-unset}")))
        assert out.startswith("unset") is False and "1" in out
        out = tool_text(await env.step(bash("echo ${FOO:-unset}; basename $PWD")))
        assert out.splitlines()[:2] == ["unset", "work"]
        # `exit` and a failing command still report their status and keep the directory.
        out = tool_text(await env.step(bash("ls nope; exit 3")))
        assert "[exit code: 3]" in out and "No such file" in out
        assert "work" in tool_text(await env.step(bash("basename $PWD")))
    finally:
        await env.close()


async def test_output_is_capped_and_the_cut_is_shown(ctx, tmp_path):
    env, _task, _ = await start(ctx, tmp_path)
    try:
        out = tool_text(await env.step(bash("seq 1 20000")))
        assert out.startswith("1\n2\n") and "20000" in out and "characters of output omitted" in out
        assert "output truncated" in out and len(out) < 11_000
    finally:
        await env.close()
    text, dropped = cap_text("a" * 50, 10)
    assert dropped == 40 and "40 characters" in text


async def test_a_command_is_stopped_at_its_timeout(ctx, tmp_path):
    env, _task, _ = await start(ctx, tmp_path, toml="[agent]\ncommand_timeout_sec = 1.0\n")
    try:
        out = tool_text(await env.step(bash("sleep 30")))
        assert "timed out after 1 s" in out
        assert "[exit code: 0]" in tool_text(await env.step(bash("true")))
    finally:
        await env.close()


async def test_submit_grades_and_shows_the_test_output(ctx, tmp_path):
    env, _task, _ = await start(ctx, tmp_path, test_sh="echo checking the state\n" + PASS_IF_DONE)
    try:
        await env.step(bash("echo yes > done.txt"))
        result = await env.step(Action.call("submit"))
        assert result.terminated and result.reward == 1.0 and result.info["status"] == "completed"
        assert "checking the state" in result.grade.details["test_output"]
        assert result.grade.details["reward_file"] == "reward.txt"
    finally:
        await env.close()


async def test_turn_limit_grades_the_final_state(ctx, tmp_path):
    env, _task, reset = await start(ctx, tmp_path, toml="[agent]\nmax_turns = 2\n")
    try:
        assert reset.info["max_turns"] == 2
        first = await env.step(bash("echo yes > done.txt"))
        assert not first.done
        last = await env.step(bash("true"))
        assert last.truncated and last.info["status"] == "truncated" and last.reward == 1.0
        assert "turn limit" in last.info["reason"]
    finally:
        await env.close()


async def test_wall_time_limit_ends_and_grades(ctx, tmp_path):
    env, _task, _ = await start(ctx, tmp_path, toml="[agent]\ntimeout_sec = 1.5\ncommand_timeout_sec = 30.0\n")
    try:
        result = await env.step(bash("echo yes > done.txt; sleep 10"))
        assert "timed out" in tool_text(result)  # the command was cut at the time that was left
        assert result.truncated and result.info["status"] == "truncated" and result.reward == 1.0
        assert "wall-time" in result.info["reason"]
    finally:
        await env.close()


async def test_plain_text_runs_the_last_code_block_and_bad_actions_get_an_error(ctx, tmp_path):
    env, _task, _ = await start(ctx, tmp_path)
    try:
        out = tool_text(await env.step("I'll look first.\n```bash\necho one\n```\nthen\n```bash\necho two\n```"))
        assert out.startswith("two") and "one" not in out
        out = tool_text(await env.step("just chatting"))
        assert out.startswith("Error:") and "bash" in out
        out = tool_text(await env.step(Action.call("rm_rf")))
        assert "unknown tool" in out
        out = tool_text(await env.step(Action.call("bash")))
        assert out == "Error: bash: `command` is required"
        out = tool_text(await env.step(Action.call("bash", command="  ")))
        assert out == "Error: bash needs a non-empty string `command`"
        assert not env.done
    finally:
        await env.close()


@pytest.mark.parametrize(
    "writes,why",
    [
        ("true", "wrote no reward file"),
        (": > /logs/verifier/reward.txt", "empty"),
        ("echo pass > /logs/verifier/reward.txt", "not hold a number"),
        ("echo nan > /logs/verifier/reward.txt", "non-finite"),
        ("echo inf > /logs/verifier/reward.txt", "non-finite"),
        ('echo \'{"reward": "1"}\' > /logs/verifier/reward.json', "not a finite number"),
        ("echo '[1]' > /logs/verifier/reward.json", "JSON object"),
    ],
)
async def test_unusable_rewards_are_grader_errors_not_zero(ctx, tmp_path, writes, why):
    env, _task, _ = await start(ctx, tmp_path, test_sh=writes + "\n")
    try:
        result = await env.step(Action.call("submit"))
        assert result.info["status"] == "grader_error" and result.grade.status == "grader_error"
        assert why in result.grade.error
    finally:
        await env.close()


async def test_named_rewards_from_reward_json(ctx, tmp_path):
    # Harbor's rule: the reward is the "reward" key (or the only key); the other metrics are components.
    payload = json.dumps({"reward": 0.75, "style": 0.5})
    env, _task, _ = await start(ctx, tmp_path, test_sh=f"echo '{payload}' > /logs/verifier/reward.json\n")
    try:
        result = await env.step(Action.call("submit"))
        assert result.reward == 0.75 and result.grade.details["reward_file"] == "reward.json"
        assert {c.name: c.reward for c in result.grade.components} == {"reward": 0.75, "style": 0.5}
    finally:
        await env.close()


async def test_setup_failure_is_an_env_error_naming_the_task(ctx, tmp_path):
    task = tasks_in(write_task(tmp_path, "broken", test_sh=PASS_IF_DONE, setup_sh="echo building; exit 7\n"))[0]
    record = await run_episode(TerminalEnvironment("local", context=ctx), OracleAgent(), task, TerminalEnvironment)
    assert (
        record.status.value == "env_error"
        and "broken" in record.error["message"]
        and "building" in record.error["message"]
    )


async def test_oracle_and_nop_on_a_few_shipped_tasks(ctx):
    for task_id in ("count-errors", "git-merge-conflict", "make-fix-build"):
        task = TerminalEnvironment.get_task("core", task_id)
        oracle = await run_episode(TerminalEnvironment("core", context=ctx), OracleAgent(), task, TerminalEnvironment)
        nop = await run_episode(TerminalEnvironment("core", context=ctx), NopAgent(), task, TerminalEnvironment)
        assert (oracle.status.value, oracle.reward) == ("completed", 1.0), oracle.grade
        assert (nop.status.value, nop.reward) == ("completed", 0.0), nop.grade


def test_shell_state_keeps_the_directory_when_the_marker_is_missing():
    shell = ShellState(marker="__m__")
    assert shell.absorb("a\n__m__/x/y\n") == "a" and shell.cwd == "/x/y"
    assert shell.absorb("output cut before the marker") == "output cut before the marker" and shell.cwd == "/x/y"
