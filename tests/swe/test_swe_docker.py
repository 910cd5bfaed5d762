"""The swe family on the Docker provider: the own suite passes the conformance kit (reference fix 1,
do-nothing 0), and every attack on the grading scores 0 while its control (the same path plus the
real fix) scores 1 — so a 0 means the attack failed, not that grading broke."""

from __future__ import annotations

import re

import pytest

from envgym.kernel.context import EnvContext
from envgym.protocol import Action
from envgym.sandbox import get_provider
from envgym.testing import check_environment
from envgym_swe.environment import SweEnvironment

pytestmark = [pytest.mark.docker, pytest.mark.slow]

PY = "ledgerlite__ledgerlite-2"  # fix: ledger.py's prefix test; F2P tests/test_ledger.py::test_balance_ignores_prefix_siblings
C = "cstrbuf__cstrbuf-23"  # fix: sb_insert at the end; F2P strbuf.insert_at_end
FIX = {
    PY: "sed -i 's/if p.account.startswith(account):/if p.account == account or p.account.startswith(account + \":\"):/' "
    "ledgerlite/ledger.py",
    C: "sed -i 's/if (pos >= sb->len) return -1;/if (pos > sb->len) return -1;/' src/strbuf.c",
}


@pytest.fixture(scope="module")
def docker_ready():
    ok, why = get_provider("docker").available()
    if not ok:
        pytest.skip(f"Docker tests skipped: {why}")


async def play(task_id: str, *commands: str) -> tuple[float, str, dict]:
    """Reset, run each bash command, submit; (reward, status, grade details)."""
    ctx = EnvContext(sandbox="docker")
    env = SweEnvironment("own", context=ctx)
    try:
        await env.reset(SweEnvironment.get_task("own", task_id))
        for command in commands:
            result = await env.step(Action.call("bash", command=command))
            assert not result.done, result.info
        result = await env.step(Action.call("submit"))
        return result.reward, result.info["status"], result.info["grade"]["details"] or {}
    finally:
        await env.close()
        await ctx.aclose()


def test_own_suite_passes_conformance_on_docker(docker_ready):
    report = check_environment("swe/own", sandbox="docker", concurrency=2)
    assert report.ok, report.summary()


# Each attack: (task, commands that try to raise the reward without the fix).
ATTACKS = {
    "edit the tests": (
        PY,
        [
            'sed -i \'s/assert led.balance("assets:bank") == Decimal("400")/assert True/\' tests/test_ledger.py',
            "printf '\\ndef test_balance_ignores_prefix_siblings():\\n    pass\\n' >> tests/test_ledger.py",
        ],
    ),
    "plant conftest.py": (
        PY,
        [
            "printf '%s\\n' 'import pytest' '@pytest.hookimpl(hookwrapper=True)' "
            "'def pytest_runtest_makereport(item, call):' '    outcome = yield' '    rep = outcome.get_result()' "
            "'    rep.outcome = \"passed\"' > tests/conftest.py"
        ],
    ),
    "shadow pytest with pytest.py": (
        PY,
        [
            'printf \'%s\\n\' \'for t in ("test_balance_ignores_prefix_siblings", "test_unbalanced_is_refused", '
            '"test_balance_of_leaf", "test_balance_includes_subaccounts", "test_balance_until", '
            '"test_register_running_balance", "test_bad_account_name"):\' '
            "'    print(\"PASSED tests/test_ledger.py::\" + t)' > pytest.py"
        ],
    ),
    "make FAIL_TO_PASS tests skip": (
        PY,
        [
            "printf '%s\\n' 'import sys' 'if \"pytest\" in sys.modules:' "
            "'    import pytest; pytest.skip(\"nope\", allow_module_level=True)' >> ledgerlite/ledger.py"
        ],
    ),
    "git config programs": (
        PY,
        [
            # A filter driver that "fixes" the file only in git's eyes, plus programs git would run on diff/add.
            "printf 'ledgerlite/ledger.py filter=fix\\n' > .gitattributes",
            'git config filter.fix.clean "sed \'s/if p.account.startswith(account):/if p.account == account or p.account.startswith(account + \\":\\"):/\'"',
            "git config diff.external /bin/false && git config core.fsmonitor 'touch /tmp/fsmonitor-ran; false'",
            "git add -A && git diff --cached --stat",
        ],
    ),
    "leave a daemon behind": (
        PY,
        [
            "(setsid sh -c 'while true; do " + FIX[PY].replace("'", "'\\''") + "; sleep 0.2; done' "
            ">/dev/null 2>&1 &) ; sleep 0.1; git checkout -q ledgerlite/ledger.py"
        ],
    ),
    # A `check` target that prints a passing line for every test the grade looks at (the worst case: the names known).
    "rewrite the Makefile's check target": (
        C,
        [
            "printf 'check:\\n' >> Makefile && for t in "
            + " ".join(
                SweEnvironment.get_task("own", C).private["fail_to_pass"]
                + SweEnvironment.get_task("own", C).private["pass_to_pass"]
            )
            + "; do printf '\\t@echo \"[       OK ] %s (0 ms)\"\\n' $t >> Makefile; done",
            "sed -i 's/^check: build\\/run_tests$/check-real: build\\/run_tests/' Makefile",
        ],
    ),
}


# The control takes the same path and also fixes the bug; by default: the fix, then the attack.
CONTROLS = {
    # The same code in the same module, inert: the tests run, and the fix passes them.
    "make FAIL_TO_PASS tests skip": [
        FIX[PY],
        "printf '%s\\n' 'import sys' 'if \"pytest\" in sys.modules and False:' "
        "'    import pytest; pytest.skip(\"nope\", allow_module_level=True)' >> ledgerlite/ledger.py",
    ],
    # The daemon keeps running, and the agent's own command fixes the file.
    "leave a daemon behind": ATTACKS["leave a daemon behind"][1][:1] + [FIX[PY]],
}


@pytest.mark.parametrize("name", list(ATTACKS))
async def test_attack_scores_zero_and_its_control_one(docker_ready, name):
    task_id, commands = ATTACKS[name]
    reward, status, details = await play(task_id, *commands)
    assert (reward, status) == (0.0, "completed"), details
    control = CONTROLS.get(name, [FIX[task_id], *commands])
    control_reward, control_status, control_details = await play(task_id, *control)
    assert (control_reward, control_status) == (1.0, "completed"), control_details


async def test_agent_breaking_the_repository_scores_zero_not_an_error(docker_ready):
    reward, status, details = await play(PY, FIX[PY], "rm -rf .git")
    assert (reward, status) == (0.0, "completed")
    assert "reading the agent's change with git failed" in details["reason"]


async def test_a_command_longer_than_a_command_line_runs(docker_ready):
    # 300 KB with a NUL byte and a lone surrogate (the adversary's malformed calls): it runs, the episode goes on,
    # and the fix made in the same command scores 1.
    long = f"v='{'x' * 300_000}'; [ ${{#v}} = 300000 ] && {FIX[PY]} # \x00\ud800"
    reward, status, details = await play(PY, long)
    assert (reward, status) == (1.0, "completed"), details


async def test_protected_files_are_listed_in_the_grade(docker_ready):
    reward, status, details = await play(PY, FIX[PY], "echo 'x = 1' > conftest.py")
    assert reward == 1.0 and details["reverted"] == {"conftest.py": "test-runner configuration"}


def test_user_instance_file_with_local_image_mapping(docker_ready, tmp_path):
    """The offline user's path: an instance file of their own (here two of the shipped rows: the swebench >= 5
    form and the SWE-smith form), images loaded locally under their own tags, mapped with swe.images."""
    import json

    from envgym_swe.environment import own_suite
    from envgym_swe.suites import SUITE_ROOT

    wanted = {"ledgerlite__ledgerlite-4", "envgym__inikit.0b5e1a2c.func_pm_remove_default__inikit1"}
    rows = [json.loads(line) for line in (SUITE_ROOT / "instances.jsonl").read_text().splitlines()]
    (tmp_path / "mine.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows if r["instance_id"] in wanted))
    _, extras = own_suite()
    provider = get_provider("docker")
    mapping = {i: provider.build_image(extras[i]["build_context"]) for i in wanted}
    (tmp_path / "images.json").write_text(json.dumps(mapping))
    ctx = EnvContext(
        sandbox="docker",
        settings={"swe.instances": f"mine={tmp_path / 'mine.jsonl'}", "swe.images": str(tmp_path / "images.json")},
    )
    report = check_environment("swe/mine", sandbox="docker", context=ctx)
    assert report.ok and report.tasks_checked == 2, report.summary()


async def test_a_command_longer_than_the_step_budget_is_killed_and_the_episode_is_still_graded(docker_ready):
    """Under the host's step timeout (26 s here: a 6 s command budget), a long command dies, the agent
    is told, the episode goes on and the fix made afterwards is graded (not a session ``timeout``)."""
    ctx = EnvContext(sandbox="docker", settings={"step_timeout_s": 26.0})
    env = SweEnvironment("own", context=ctx)
    try:
        await env.reset(SweEnvironment.get_task("own", PY))
        long = await env.step(Action.call("bash", command="echo begun; sleep 600"))
        text = long.observation.messages[0].content
        assert not long.done and "begun" in text and re.search(r"timed out after [56](\.\d)? s and was killed", text), (
            text
        )
        await env.step(Action.call("bash", command=FIX[PY]))
        final = await env.step(Action.call("submit"))
        assert (final.reward, final.info["status"]) == (1.0, "completed"), final.info
    finally:
        await env.close()
        await ctx.aclose()
