"""Reward integrity of terminal verification (docs/integrity.md), on the bwrap and Docker providers.

Every attack comes with a control that solves the task through the same path and scores 1, so a 0
means the attack failed, not that grading broke. Status is always checked: an attack must never turn
a 0 into an error status.
"""

from __future__ import annotations

import asyncio
import shlex
import textwrap
from pathlib import Path

import pytest
from integrity_attacks import HUNTER
from terminal_helpers import write_task

from envgym.kernel.context import EnvContext
from envgym.protocol import Action
from envgym.sandbox import get_provider
from envgym.sandbox.base import SandboxSpec
from envgym.sandbox.trusted import TRUSTED_MOUNT
from envgym_terminal import TerminalEnvironment, bundle, tasks_in
from envgym_terminal.verifier import VerifierRun

PROVIDERS = [pytest.param("bwrap", id="bwrap"), pytest.param("docker", id="docker", marks=pytest.mark.docker)]


def _available(name: str) -> tuple[bool, str]:
    try:
        return get_provider(name).available()
    except Exception as exc:  # noqa: BLE001 — a missing provider is a reason to skip
        return False, str(exc)


@pytest.fixture(params=PROVIDERS)
async def pctx(request):
    ok, why = _available(request.param)
    if not ok:
        pytest.skip(f"the {request.param} provider is unavailable here: {why}")
    ctx = EnvContext(sandbox=request.param)
    yield ctx
    await ctx.aclose()


async def play(ctx: EnvContext, task, commands: list[str]):
    """One episode: the commands through the bash tool, then submit. Returns the submit's result."""
    env = TerminalEnvironment(task.suite, context=ctx)
    try:
        await env.reset(task)
        for command in commands:
            result = await env.step(Action.call("bash", command=command))
            assert not result.done, result.info
        return await env.step(Action.call("submit"))
    finally:
        await env.close()


def outcome(result) -> tuple[float, str]:
    return result.reward, result.info["status"]


def heredoc(path: str, text: str) -> str:
    return f"cat > {shlex.quote(path)} <<'ENVGYM_EOF'\n{text}\nENVGYM_EOF"


ANSWER_OK = "print(sum(int(x) for x in open('numbers.txt')))\n"


def program_task(tmp_path: Path, name: str, test_sh: str, **kw):
    """A task whose check runs the agent's program `answer.py` (which must print 6)."""
    return tasks_in(
        write_task(tmp_path, name, test_sh=textwrap.dedent(test_sh), files={"numbers.txt": "1\n2\n3\n"}, **kw)
    )[0]


TXT_CHECK = """\
out=$(timeout 20 python3 answer.py 2>/dev/null); echo "answer.py said: $out"
if [ "$out" = 6 ]; then echo 1 > /logs/verifier/reward.txt; else echo 0 > /logs/verifier/reward.txt; fi
"""
JSON_CHECK = """\
out=$(timeout 20 python3 answer.py 2>/dev/null); echo "answer.py said: $out"
if [ "$out" = 6 ]; then r=1; else r=0; fi
printf '{"reward": %s, "runs": 1}\\n' "$r" > /logs/verifier/reward.json
"""
# The logs directory (not the reward files) on the command line of a process that runs agent code,
# as Terminal-Bench 2's `pytest --ctrf /logs/verifier/ctrf.json` does.
PYTHON_PYTEST_CHECK = """\
python3 -m pytest -q -p no:cacheprovider /tests/test_answer.py
if [ $? -eq 0 ]; then echo 1 > /logs/verifier/reward.txt; else echo 0 > /logs/verifier/reward.txt; fi
"""
PYTEST_CHECK = PYTHON_PYTEST_CHECK.replace("test_answer.py", "test_answer.py --junitxml=/logs/verifier/junit.xml")
TEST_ANSWER = """\
import subprocess
def test_answer():
    out = subprocess.run(["python3", "answer.py"], capture_output=True, text=True, timeout=20).stdout
    assert out.strip() == "6"
"""


# ---------------------------------------------------------------- the reward location is out of reach


@pytest.mark.parametrize("check", ["reward.txt", "reward.json", "pytest"])
async def test_a_program_the_check_runs_cannot_find_the_reward_location(pctx, tmp_path, check):
    test_sh = {"reward.txt": TXT_CHECK, "reward.json": JSON_CHECK, "pytest": PYTEST_CHECK}[check]
    task = program_task(tmp_path, "hunt", test_sh, extra={"tests/test_answer.py": TEST_ANSWER})
    attack = await play(pctx, task, [heredoc("answer.py", HUNTER)])
    assert outcome(attack) == (0.0, "completed"), attack.grade
    said = attack.grade.details["test_output"]
    if check == "pytest":
        # The logs directory leaked through pytest's command line and the hunter locked it (pytest can no
        # longer write its report there); the reward files live elsewhere and held.
        assert "Permission denied" in said and "verifier/junit.xml" in said, said
    else:
        assert "wrong answer" in said, said  # the hunter ran, as the check's child
        assert "/.envgym" not in said.split("wrong answer", 1)[1], said  # and planted nothing in the grading area
    control = await play(pctx, task, [heredoc("answer.py", ANSWER_OK)])
    assert outcome(control) == (1.0, "completed"), control.grade


async def test_the_grading_directory_is_new_and_gone_each_time(pctx, tmp_path):
    """Two gradings of one sandbox: different places, the first one gone by the second."""
    task = program_task(tmp_path, "twice", 'echo "TOOLS=$(command -v git)"\n' + TXT_CHECK)
    spec = SandboxSpec(workdir="/app")
    seen = []
    async with await pctx.create_sandbox(spec) as box:
        await box.exec(f"printf '1\\n2\\n3\\n' > numbers.txt && {heredoc('answer.py', ANSWER_OK)}")
        for _ in range(2):
            grade = await VerifierRun(task.private["tests_b64"], "/app", 30, {}).grade(box)
            assert grade.reward == 1.0, grade
            seen.append(grade.details["test_output"].split("TOOLS=", 1)[1].split("\n", 1)[0])
        probe = await box.exec(f"ls -d {shlex.quote(seen[0].rsplit('/', 2)[0])} 2>&1 || true")
    first, second = (path.rsplit("/", 2)[0] for path in seen)  # /.envgym/<grading dir>
    assert first != second and first.startswith("/.envgym/"), seen
    assert "No such file" in probe.stdout


async def test_nothing_in_the_trusted_area_can_be_listed_or_planted_by_the_agent(pctx, tmp_path):
    task = program_task(tmp_path, "plant", TXT_CHECK)
    plant = (
        "ls -la /.envgym; mkdir -p /.envgym/x; echo 1 > /.envgym/reward.txt; chmod 777 /.envgym; "
        "echo 1 > /tmp/reward.txt; mkdir -p /tmp/logs/verifier && echo 1 > /tmp/logs/verifier/reward.txt; "
        "mkdir -p logs/verifier && echo 1 > logs/verifier/reward.txt; " + heredoc("answer.py", "print(5)")
    )
    attack = await play(pctx, task, [plant])
    assert outcome(attack) == (0.0, "completed"), attack.grade
    control = await play(pctx, task, [plant.replace("print(5)", ANSWER_OK.strip())])
    assert outcome(control) == (1.0, "completed"), control.grade


async def test_processes_the_agent_or_the_check_leave_behind_write_nothing(pctx, tmp_path):
    daemon = (
        "setsid nohup bash -c 'while true; do for d in /.envgym/* /.envgym/*/* /tmp/*/logs/verifier; do "
        'echo 1 > "$d/reward.txt"; done 2>/dev/null; sleep 0.01; done\' >/dev/null 2>&1 < /dev/null & disown'
    )
    # answer.py forks a writer that outlives the check (double fork), then answers wrongly.
    escaping = (
        "import os, subprocess\nif os.fork() == 0:\n    os.setsid()\n    subprocess.Popen(['bash', '-c', "
        f"{daemon!r}])\n    os._exit(0)\nprint(5)\n"
    )
    task = program_task(tmp_path, "daemons", TXT_CHECK)
    attack = await play(pctx, task, [daemon, heredoc("answer.py", escaping)])
    assert outcome(attack) == (0.0, "completed"), attack.grade
    control = await play(pctx, task, [daemon, heredoc("answer.py", escaping.replace("print(5)", "print(6)"))])
    assert outcome(control) == (1.0, "completed"), control.grade


# ---------------------------------------------------------------- the check's own tools cannot be replaced

PYTEST_TAKEOVER = {
    # pytest's configuration search and conftest.py files in every agent-writable place an old layout
    # had above the tests (the working directory, /tmp, $HOME).
    "pytest.ini and conftest.py": "for d in /tmp . ~; do printf '[pytest]\\naddopts = -p no:cacheprovider\\n' > $d/pytest.ini; "
    "printf 'import pytest\\n@pytest.hookimpl(tryfirst=True)\\ndef pytest_runtest_call(item):\\n"
    "    item.runtest = lambda: None\\n' > $d/conftest.py; done",
    # `python3 -m pytest` from the working directory would import the agent's pytest.py.
    "pytest.py in the working directory": "printf 'import sys\\nsys.exit(0)\\n' > pytest.py",
    # A user site-packages module that every Python of the agent's user would import.
    "usercustomize": "d=$(python3 -c 'import site; print(site.getusersitepackages())'); mkdir -p $d && "
    "printf 'import os\\nos._exit(0)\\n' > $d/usercustomize.py",
}


@pytest.mark.parametrize("vector", list(PYTEST_TAKEOVER))
async def test_planted_pytest_config_and_module_shadows_do_not_take_over_the_check(pctx, tmp_path, vector):
    task = program_task(tmp_path, "pytest", "cd /app\n" + PYTEST_CHECK, extra={"tests/test_answer.py": TEST_ANSWER})
    attack = await play(pctx, task, [PYTEST_TAKEOVER[vector], heredoc("answer.py", "print(5)")])
    assert outcome(attack) == (0.0, "completed"), attack.grade
    control = await play(pctx, task, [PYTEST_TAKEOVER[vector], heredoc("answer.py", ANSWER_OK)])
    assert outcome(control) == (1.0, "completed"), control.grade


async def test_a_stdlib_module_shadow_does_not_take_over_python_dash_c(pctx, tmp_path):
    """`python3 -c '... import json ...'` from the working directory: a planted json.py stays unused."""
    check = """\
        ok=$(python3 -c 'import json; print(json.load(open("result.json"))["total"] == 6)')
        if [ "$ok" = True ]; then echo 1 > /logs/verifier/reward.txt; else echo 0 > /logs/verifier/reward.txt; fi
        """
    task = tasks_in(write_task(tmp_path, "shadow", test_sh=textwrap.dedent(check)))[0]
    shadow = "printf 'def load(f):\\n    return {\"total\": 6}\\n' > json.py"
    attack = await play(pctx, task, [shadow, "echo '{\"total\": 5}' > result.json"])
    assert outcome(attack) == (0.0, "completed"), attack.grade
    control = await play(pctx, task, [shadow, "echo '{\"total\": 6}' > result.json"])
    assert outcome(control) == (1.0, "completed"), control.grade


GIT_CHECK = """\
cd /app/repo || exit 1
if git diff HEAD~1 HEAD -- config.txt | grep -qx '+enabled = true'; then echo 1 > /logs/verifier/reward.txt
else echo 0 > /logs/verifier/reward.txt; fi
"""
GIT_SETUP = "git init -q -b main repo && cd repo && echo 'mode = a' > config.txt && git add . && git commit -qm init\n"


async def test_repository_config_cannot_rewrite_what_git_shows_the_check(pctx, tmp_path):
    """A textconv driver would make `git diff` show the line the check looks for; the verifier's git
    (first on the check's PATH) runs none."""
    task = tasks_in(write_task(tmp_path, "git", test_sh=GIT_CHECK, setup_sh=GIT_SETUP))[0]
    liar = (
        "cd repo && printf '#!/bin/sh\\ntouch /app/ran\\nsed s/false/true/ \"$1\"\\n' > /app/conv.sh && chmod +x /app/conv.sh "
        "&& echo 'config.txt diff=cfg' > .gitattributes && git config diff.cfg.textconv /app/conv.sh "
        "&& git config core.fsmonitor /app/conv.sh && echo 'enabled = false' > config.txt && git commit -qam change"
    )
    attack = await play(pctx, task, [liar])
    assert outcome(attack) == (0.0, "completed"), attack.grade
    control = await play(pctx, task, [liar.replace("enabled = false", "enabled = true")])
    assert outcome(control) == (1.0, "completed"), control.grade


# ---------------------------------------------------------------- what the agent causes is scored, not an error


async def test_signals_from_the_checks_programs_score_zero_not_an_error(pctx, tmp_path):
    task = program_task(tmp_path, "signals", TXT_CHECK, toml="[verifier]\ntimeout_sec = 8.0\n")
    for sig in ("KILL", "TERM", "INT", "STOP"):
        killer = f"import os, signal\nos.kill(-1, signal.SIG{sig})\nprint(5)\n"
        attack = await play(pctx, task, [heredoc("answer.py", killer)])
        assert outcome(attack) == (0.0, "completed"), (sig, attack.grade)
        if sig in ("KILL", "STOP"):  # bash may outlive TERM/INT; then the check itself scores the wrong answer
            assert "signal" in attack.grade.details["reason"], (sig, attack.grade.details)
    control = await play(pctx, task, [heredoc("answer.py", ANSWER_OK)])
    assert outcome(control) == (1.0, "completed"), control.grade


CONDITIONS = {
    "chmod 555 /tmp": "chmod 555 /tmp 2>/dev/null; true",
    "chmod 000 on the working directory": "chmod 000 /app",
    "full disk": "cat /dev/zero > fill.bin 2>/dev/null; cat /dev/zero > /tmp/fill.bin 2>/dev/null; "
    "i=0; while : > f$i 2>/dev/null && [ $i -lt 3000 ]; do i=$((i+1)); done; true",
}


@pytest.mark.parametrize("condition", list(CONDITIONS))
async def test_modes_and_a_full_disk_are_scored_not_errors(pctx, tmp_path, condition):
    task = program_task(tmp_path, "cond", TXT_CHECK, toml="[environment]\nstorage_mb = 48\n")
    attack = await play(pctx, task, [heredoc("answer.py", "print(5)"), CONDITIONS[condition]])
    assert outcome(attack) == (0.0, "completed"), attack.grade
    assert "answer.py said" in attack.grade.details["test_output"], attack.grade  # the check itself ran
    if condition != "chmod 000 on the working directory":  # the check cannot read a solution there
        control = await play(pctx, task, [heredoc("answer.py", ANSWER_OK), CONDITIONS[condition]])
        assert outcome(control) == (1.0, "completed"), control.grade


@pytest.mark.parametrize("trap", ["fifo", "symlink to a device", "symlink loop", "huge file"])
async def test_traps_where_a_shipped_check_reads_are_scored(pctx, trap):
    task = TerminalEnvironment.get_task("core", "count-errors")
    plant = {
        "fifo": "mkfifo error_count.txt",
        "symlink to a device": "ln -s /dev/zero error_count.txt",
        "symlink loop": "ln -s error_count.txt error_count.txt",
        "huge file": "head -c 200000000 /dev/zero > error_count.txt",
    }[trap]
    attack = await play(pctx, task, [plant])
    assert outcome(attack) == (0.0, "completed"), attack.grade
    control = await play(pctx, task, ["awk '$2 == \"ERROR\"' server.log | wc -l > error_count.txt"])
    assert outcome(control) == (1.0, "completed"), control.grade


async def test_huge_output_from_a_program_the_check_runs_is_scored(pctx):
    task = TerminalEnvironment.get_task("core", "python-stats-cli")
    flood = "import sys\nfor _ in range(3000):\n    sys.stdout.write('count=4 ' * 16384)\n"
    attack = await play(pctx, task, [heredoc("stats.py", flood)])
    assert outcome(attack) == (0.0, "completed"), attack.grade
    oracle = TerminalEnvironment.oracle_policy(task)
    control_cmd = (await oracle.act(None)).tool_calls[0].function.parsed_arguments()["command"]
    control = await play(pctx, task, [control_cmd])
    assert outcome(control) == (1.0, "completed"), control.grade


# ---------------------------------------------------------------- what the reward files may hold

REWARD_CASES = {
    # name: (files test.sh writes, declared range, expected (reward, status, passed))
    "reward.txt 1": ({"reward.txt": "1"}, None, (1.0, "ok", True)),
    "reward.txt 0.5 is not a pass": ({"reward.txt": "0.5"}, None, (0.5, "ok", False)),
    "reward.txt 5": ({"reward.txt": "5"}, None, (0.0, "grader_error", False)),
    "reward.txt -3": ({"reward.txt": "-3"}, None, (0.0, "grader_error", False)),
    "reward.txt 1e300": ({"reward.txt": "1e300"}, None, (0.0, "grader_error", False)),
    "reward.txt nan": ({"reward.txt": "nan"}, None, (0.0, "grader_error", False)),
    "reward.txt inf": ({"reward.txt": "inf"}, None, (0.0, "grader_error", False)),
    "reward.txt text": ({"reward.txt": "passed"}, None, (0.0, "grader_error", False)),
    "reward.txt empty": ({"reward.txt": ""}, None, (0.0, "grader_error", False)),
    "reward.json reward key": ({"reward.json": '{"reward": 0.25, "speed": 1}'}, None, (0.25, "ok", False)),
    "reward.json single key": ({"reward.json": '{"accuracy": 1}'}, None, (1.0, "ok", True)),
    "reward.json no reward key": ({"reward.json": '{"a": 1, "b": 0}'}, None, (0.0, "grader_error", False)),
    "reward.json 5": ({"reward.json": '{"reward": 5}'}, None, (0.0, "grader_error", False)),
    "reward.json Infinity": ({"reward.json": '{"reward": Infinity}'}, None, (0.0, "grader_error", False)),
    "reward.json 1e999": ({"reward.json": '{"reward": 1e999}'}, None, (0.0, "grader_error", False)),
    "reward.json not an object": ({"reward.json": "[1]"}, None, (0.0, "grader_error", False)),
    "reward.txt first, json metrics kept": (
        {"reward.txt": "0", "reward.json": '{"reward": 1, "style": 1}'},
        None,
        (0.0, "ok", False),
    ),
    "declared range 0-100": ({"reward.txt": "50"}, (0.0, 100.0), (0.5, "ok", False)),
    "declared range, top": ({"reward.txt": "100"}, (0.0, 100.0), (1.0, "ok", True)),
    "outside the declared range": ({"reward.txt": "101"}, (0.0, 100.0), (0.0, "grader_error", False)),
    "none written": ({}, None, (0.0, "grader_error", False)),
    "reward.txt a FIFO": ({"reward.txt": None}, None, (0.0, "grader_error", False)),
}


def reward_tests(tmp_path: Path, files: dict[str, str | None]) -> str:
    lines = [
        f"printf %s {shlex.quote(text)} > /logs/verifier/{name}"
        if text is not None
        else f"mkfifo /logs/verifier/{name}"
        for name, text in files.items()
    ]
    tests = tmp_path / "tests"
    tests.mkdir(parents=True, exist_ok=True)
    (tests / "test.sh").write_text("\n".join(lines) + "\n")
    return bundle.pack_dir(tests)


def check_reward_case(case: str, grade) -> None:
    files, _declared, want = REWARD_CASES[case]
    assert (grade.reward, grade.status, grade.passed) == want, (case, grade)
    if want[1] == "grader_error" and files:
        assert any(name in grade.error for name in files), grade.error  # the message names the file
    if case == "reward.txt first, json metrics kept":
        assert {c.name: c.reward for c in grade.components} == {"reward": 0.0, "style": 1.0}


@pytest.mark.parametrize("case", list(REWARD_CASES))
async def test_reward_files_are_read_by_harbors_rules_and_bounded(bwrap_ctx, tmp_path, case):
    files, declared, _want = REWARD_CASES[case]
    async with await bwrap_ctx.create_sandbox(SandboxSpec(workdir="/app")) as box:
        grade = await asyncio.wait_for(
            VerifierRun(reward_tests(tmp_path, files), "/app", 30, {}, declared).grade(box), 60
        )
    check_reward_case(case, grade)


@pytest.mark.docker
async def test_reward_files_are_read_the_same_way_in_a_container(tmp_path):
    """The parsing is the provider's only in how the files are read: a few cases in one container."""
    ok, why = _available("docker")
    if not ok:
        pytest.skip(f"the docker provider is unavailable here: {why}")
    provider = get_provider("docker")
    try:
        async with await provider.create(SandboxSpec(workdir="/app")) as box:
            for i, case in enumerate(
                [
                    "reward.txt 1",
                    "reward.json reward key",
                    "reward.txt 5",
                    "reward.txt a FIFO",
                    "none written",
                    "declared range 0-100",
                ]
            ):
                files, declared, _want = REWARD_CASES[case]
                grade = await asyncio.wait_for(
                    VerifierRun(reward_tests(tmp_path / str(i), files), "/app", 30, {}, declared).grade(box), 60
                )
                check_reward_case(case, grade)
    finally:
        await provider.aclose()


async def test_a_verifier_timeout_is_an_error_not_a_zero(pctx, tmp_path):
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "test.sh").write_text("sleep 30\necho 1 > /logs/verifier/reward.txt\n")
    async with await pctx.create_sandbox(SandboxSpec(workdir="/app")) as box:
        grade = await VerifierRun(bundle.pack_dir(tests), "/app", 2, {}).grade(box)
    assert grade.status == "grader_error" and "verifier timeout" in grade.error, grade


async def _root_mode_attack_and_control(tmp_path: Path, attack: str, **spec) -> list[str]:
    """``attack`` run as root in an image-mode container (Harbor's root tasks) after a wrong answer, then
    after the right one (the control): the check scores 0, then 1, never an error. The attack's outputs."""
    ok, why = _available("docker")
    if not ok:
        pytest.skip(f"the docker provider is unavailable here: {why}")
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "test_answer.py").write_text(TEST_ANSWER)
    (tests / "test.sh").write_text("cd /app\n" + PYTHON_PYTEST_CHECK)
    provider = get_provider("docker")
    outputs = []
    try:
        for answer, want in (("print(5)", 0.0), (ANSWER_OK.strip(), 1.0)):
            async with await provider.create(
                SandboxSpec(workdir="/app", user="root", keep_image_files=True, **spec)
            ) as box:
                assert (await box.exec("id -u")).stdout.strip() == "0"
                await box.exec(f"printf '1\\n2\\n3\\n' > numbers.txt\n{heredoc('answer.py', answer)}")
                outputs.append((await box.exec(attack)).stdout)
                grade = await VerifierRun(bundle.pack_dir(tests), "/app", 60, {}).grade(box)
            assert (grade.reward, grade.status, grade.details["verifier_isolation"]) == (want, "ok", "unprotected"), (
                grade
            )
    finally:
        await provider.aclose()
    return outputs


@pytest.mark.docker
async def test_in_root_mode_planted_pytest_config_above_the_tests_does_not_take_over(tmp_path):
    """Harbor tasks may run as root on a writable root: the agent can write /pytest.ini and
    /conftest.py, and nothing of the trusted area is hidden from it (docs/integrity.md). The area's
    own pytest.ini still ends pytest's search for configuration above the tests."""
    plant = (
        "for d in / /tmp /app; do printf '[pytest]\\n' > $d/pytest.ini; "
        "printf 'import pytest\\n@pytest.hookimpl(tryfirst=True)\\ndef pytest_runtest_call(item):\\n"
        "    item.runtest = lambda: None\\n' > $d/conftest.py; done"
    )
    await _root_mode_attack_and_control(tmp_path, plant)


@pytest.mark.docker
async def test_in_root_mode_a_filled_trusted_area_is_emptied_before_the_check(tmp_path):
    """A root agent can write the trusted area and fill its tmpfs, so the verifier's own install would
    fail (ENOSPC, an env_error). Only the command server puts anything there: it removes the rest
    before installing (after the agent's processes are killed), and the check runs and is scored."""
    fill = (
        f"mkdir -p {TRUSTED_MOUNT}/aaaaaaaaaaaaaaaaaaaa && chmod 000 {TRUSTED_MOUNT}/aaaaaaaaaaaaaaaaaaaa; "
        f"ln -s / {TRUSTED_MOUNT}/link; head -c 100M /dev/zero > {TRUSTED_MOUNT}/fill 2>/dev/null; "
        f"df -k --output=avail {TRUSTED_MOUNT} | tail -1"
    )
    outputs = await _root_mode_attack_and_control(tmp_path, fill, disk_mb=32)
    assert [o.strip() for o in outputs] == ["0", "0"]  # the attack took every byte


async def test_a_command_longer_than_the_step_budget_is_killed_and_the_episode_is_still_graded(pctx, tmp_path):
    """Terminal-Bench's behaviour: the long command dies, the agent is told, the end state is graded."""
    task = program_task(tmp_path, "long", TXT_CHECK, toml="[agent]\ncommand_timeout_sec = 600.0\n")
    ctx = EnvContext(sandbox=pctx.sandbox, settings={"step_timeout_s": 26.0})  # a 6 s command budget
    env = TerminalEnvironment(task.suite, context=ctx)
    try:
        await env.reset(task)
        long = await env.step(Action.call("bash", command="echo begun; sleep 600"))
        text = long.observation.messages[0].content
        assert not long.done and "begun" in text and "timed out after 6 s and was killed" in text, text
        await env.step(Action.call("bash", command=heredoc("answer.py", ANSWER_OK)))
        final = await env.step(Action.call("submit"))
        assert outcome(final) == (1.0, "completed"), final.grade
    finally:
        await env.close()
        await ctx.aclose()
