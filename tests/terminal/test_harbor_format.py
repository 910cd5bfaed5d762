"""Harbor's task format without Docker: every key loads with Harbor's defaults, a task that cannot run
is skipped alone with its reason (the rest of its directory runs), ${VAR} templating, multi-step
tasks, separate verifiers and large solutions on the default sandbox."""

from __future__ import annotations

import logging
import os
import textwrap
from pathlib import Path

import pytest
from terminal_helpers import SANDBOX, write_task

from envgym.agents.builtin import NopAgent, OracleAgent
from envgym.agents.loop import run_episode
from envgym.kernel.context import EnvContext
from envgym.protocol import Action, EpisodeStatus, Grade, GradeComponent
from envgym.protocol.errors import EnvgymError
from envgym.testing import check_environment
from envgym_terminal import TerminalEnvironment, load_task_dir, taskfmt, tasks_in
from envgym_terminal.harbor_config import TaskConfig
from envgym_terminal.record import load_suite_dirs
from envgym_terminal.runnable import why_not
from envgym_terminal.steps import StepOutcome, aggregate, min_reward_failure
from envgym_terminal.suites import TASKS_ROOT

CORPUS = TASKS_ROOT / "harbor"
REWARD_IF = "if {cond}; then echo 1; else echo 0; fi > /logs/verifier/reward.txt\n"


def reward_if(cond: str) -> str:
    return "#!/bin/bash\n" + REWARD_IF.format(cond=cond)


# --------------------------------------------------------------------------- the format


def test_every_harbor_key_loads_into_the_task_record():
    spec = load_task_dir(CORPUS / "every-key")
    cfg = spec.config
    assert cfg.schema_version == "1.4" and cfg.source and cfg.task.name == "envgym/every-key"
    assert cfg.environment.memory_mb == 1024 and cfg.environment.storage_mb == 2048  # Harbor's "1G" / "2G" spellings
    assert cfg.environment.network_mode == "no-network"  # allow_internet = false, Harbor's legacy key
    task = TerminalEnvironment.get_task("harbor", "every-key")
    p = task.payload
    assert p["cpus"] == 1.5 and p["workdir"] == "/workdir" and p["skills_dir"] == "/opt/skills"
    assert [m["name"] for m in p["mcp_servers"]] == ["docs", "local-tools"] and p["healthcheck"]["retries"] == 2
    step = p["steps"][0]
    assert step["agent_user"] == "root" and step["verifier_user"] == "root" and step["separate_verifier"] is None
    assert step["collect"][0]["command"].startswith("cp state.txt") and step["verifier_timeout_sec"] == 120.0
    assert [a["source"] for a in step["artifacts"]] == ["state.txt", "/tmp/collected.txt"]
    assert task.metadata["max_turns"] == 40 and p["command_timeout_sec"] == 120.0
    # Values that may be secrets travel only in the private part of the record.
    assert task.private["environment_env"] == {"APP_MODE": "conformance"} and "APP_MODE" not in str(p)
    assert task.private["verifier_env"] == {"CHECK_MODE": "strict"}


def test_defaults_are_harbors():
    cfg = TaskConfig.model_validate({})
    assert cfg.agent.timeout_sec is None and cfg.verifier.timeout_sec == 600.0
    assert cfg.environment.build_timeout_sec == 600.0 and cfg.environment.network_mode == "public"
    assert cfg.agent.max_turns is None and not cfg.verifier_separate()


def test_default_turn_and_time_limits_are_harbors(tmp_path):
    task = tasks_in(write_task(tmp_path, "plain", test_sh=reward_if("true")))[0]
    env = TerminalEnvironment("local", context=EnvContext(sandbox=SANDBOX))
    env.task = task
    assert env.max_turns >= 1_000_000 and task.payload["agent_timeout_sec"] is None


def test_unknown_keys_are_ignored_with_one_warning_line_each(tmp_path, caplog):
    taskfmt._warned.clear()
    toml = 'version = "2.1"\nslug = "x"\nartifacts = []\n[task]\nname = "o/x"\nformat = "tb"\nworkstream = "w"\n'
    for name in ("a", "b"):
        write_task(tmp_path, name, test_sh=reward_if("true"), toml=toml)
    with caplog.at_level(logging.WARNING, logger="envgym.terminal"):
        tasks, skipped = load_suite_dirs([tmp_path], "local")
    assert len(tasks) == 2 and skipped == []
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 3 and all("ignored, as Harbor does" in line for line in lines)
    assert {"'slug'", "'task.format'", "'task.workstream'"} == {line.split()[2] for line in lines}


def test_the_whole_corpus_loads_and_covers_every_environment_style():
    tasks = TerminalEnvironment.tasks("harbor")
    assert len(tasks) >= 25 and TerminalEnvironment.skipped_tasks("harbor") == []
    styles = {t.payload["style"] for t in tasks}
    assert styles == {"dockerfile", "image", "compose"}
    assert any(t.payload["multi_step"] for t in tasks)
    assert any(s.get("separate_verifier") for t in tasks for s in t.payload["steps"])
    assert all(t.private["steps"][0]["solution_b64"] for t in tasks)


def test_canary_lines_are_not_shown_to_the_agent():
    task = TerminalEnvironment.get_task("harbor", "tb2-style")
    assert task.prompt.startswith("# Fix the word counter") and "canary" not in task.prompt


def test_harborignore_keeps_files_out_of_tests_and_solution():
    import base64
    import io
    import tarfile

    task = TerminalEnvironment.get_task("harbor", "harborignore")
    names = lambda b64: set(tarfile.open(fileobj=io.BytesIO(base64.b64decode(b64))).getnames())  # noqa: E731
    tests, solution = names(task.private["tests_b64"]), names(task.private["steps"][0]["solution_b64"])
    assert "fixtures/expected.txt" in tests and not {"notes", "notes/todo.md", "check.draft", ".harborignore"} & tests
    assert "solve.sh" in solution and "secret.key" not in solution


# --------------------------------------------------------------------------- per-task skips


def test_docker_only_tasks_are_skipped_on_other_providers_with_a_reason():
    skipped = {s.id: s.reason for s in TerminalEnvironment.skipped_tasks("harbor", EnvContext(sandbox="bwrap"))}
    assert "setup-fallback" not in skipped  # it ships environment/setup.sh
    assert "--sandbox docker" in skipped["dockerfile-basic"] and "--sandbox docker" in skipped["compose-sidecar"]
    assert len(skipped) == len(TerminalEnvironment.tasks("harbor")) - 1


@pytest.mark.parametrize(
    "toml,words",
    [
        ("[environment]\ngpus = 1\n", "GPU"),
        ('[environment]\ntpu = { type = "v6e", topology = "2x2" }\n', "TPU"),
        ('[environment]\nos = "Windows"\n', "Windows"),
        ('[environment]\nnetwork_mode = "public"\n', "terminal.allow_internet=true"),
        ('[agent]\nnetwork_mode = "allowlist"\nallowed_hosts = ["pypi.org"]\n', "terminal.allow_internet=true"),
    ],
)
def test_tasks_this_host_cannot_run_are_refused_alone(tmp_path, toml, words):
    task = tasks_in(write_task(tmp_path, "t", test_sh=reward_if("true"), toml=toml))[0]
    assert words in (why_not(task, EnvContext(sandbox="docker")) or "")


def test_a_setup_fallback_in_a_system_directory_is_refused_without_docker(tmp_path):
    root = write_task(
        tmp_path,
        "wd",
        test_sh=reward_if("true"),
        setup_sh="true\n",
        extra={"environment/Dockerfile": "FROM envgym-base:bookworm\nWORKDIR /tmp\n"},
    )
    task = tasks_in(root)[0]
    assert "--sandbox docker" in why_not(task, EnvContext(sandbox="bwrap"))
    assert why_not(task, EnvContext(sandbox="docker")) is None


def test_compose_needs_docker_compose(tmp_path, monkeypatch):
    import envgym_terminal.runnable as runnable

    root = write_task(
        tmp_path,
        "c",
        test_sh=reward_if("true"),
        extra={
            "environment/Dockerfile": "FROM envgym-base:bookworm\n",
            "environment/docker-compose.yaml": "services: {}\n",
        },
    )
    task = tasks_in(root)[0]
    monkeypatch.setattr(runnable, "compose_command", lambda: None)
    assert "docker-compose" in why_not(task, EnvContext(sandbox="docker"))


def test_a_directory_with_one_broken_task_runs_the_rest(tmp_path):
    for name in ("good-a", "good-b"):
        write_task(
            tmp_path, name, test_sh=reward_if('[ "$(cat out.txt 2>/dev/null)" = ok ]'), solve_sh="echo ok > out.txt\n"
        )
    write_task(tmp_path, "broken", test_sh=reward_if("true"), toml="[verifier\n")
    write_task(tmp_path, "gpu", test_sh=reward_if("true"), toml="[environment]\ngpus = 8\n")
    context = EnvContext(sandbox=SANDBOX, settings={"terminal.tasks_dir": f"mixed={tmp_path}"})
    report = check_environment("terminal/mixed", context=context)
    assert report.ok and report.tasks_checked == 2, report.summary()
    reasons = {s.id: s.reason for s in report.skipped}
    assert "not valid TOML" in reasons["broken"] and "GPU" in reasons["gpu"]
    with pytest.raises(EnvgymError, match="not valid TOML"):
        TerminalEnvironment.get_task("mixed", "broken")


async def test_eval_runs_one_task_of_a_directory_with_a_broken_task(tmp_path):
    from envgym.eval.runner import EvalConfig, EvalRunner

    tasks = tmp_path / "tasks"
    write_task(
        tasks, "good", test_sh=reward_if('[ "$(cat out.txt 2>/dev/null)" = ok ]'), solve_sh="echo ok > out.txt\n"
    )
    write_task(tasks, "broken", test_sh=reward_if("true"), toml="[verifier]\ntimeout_sec = 'soon'\n")
    config = EvalConfig(
        env="terminal/evalmix",
        out=tmp_path / "run",
        agent="oracle",
        task_ids=["good"],
        sandbox=SANDBOX,
        settings={"terminal.tasks_dir": f"evalmix={tasks}"},
    )
    result = await EvalRunner(config).run()
    assert [r.reward for r in result.records] == [1.0] and result.summary["skipped_tasks"] == []
    config = EvalConfig(
        env="terminal/evalmix",
        out=tmp_path / "run2",
        agent="oracle",
        sandbox=SANDBOX,
        settings={"terminal.tasks_dir": f"evalmix={tasks}"},
    )
    result = await EvalRunner(config).run()
    assert [s["id"] for s in result.summary["skipped_tasks"]] == ["broken"] and len(result.records) == 1


# --------------------------------------------------------------------------- templating


def test_templates_resolve_from_the_host_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("EG_TEST_TARGET", "prod")
    root = write_task(
        tmp_path,
        "tpl",
        test_sh=reward_if("true"),
        toml="""
        [environment.env]
        A = "${EG_TEST_TARGET}"
        B = "${EG_TEST_UNSET:-fallback}"
        C = "x-${EG_TEST_TARGET}"
        [verifier.env]
        V = "${EG_TEST_TARGET:-no}"
        [solution.env]
        S = "${EG_TEST_UNSET:-sol}"
    """,
    )
    task = tasks_in(root)[0]
    assert task.private["environment_env"] == {"A": "prod", "B": "fallback", "C": "x-${EG_TEST_TARGET}"}
    assert task.private["verifier_env"] == {"V": "prod"} and task.private["solution_env"] == {"S": "sol"}


def test_a_missing_variable_skips_only_that_task(tmp_path):
    write_task(
        tmp_path, "needs-var", test_sh=reward_if("true"), toml='[verifier.env]\nKEY = "${EG_TEST_SURELY_UNSET}"\n'
    )
    write_task(tmp_path, "fine", test_sh=reward_if("true"))
    tasks, skipped = load_suite_dirs([tmp_path], "local")
    assert [t.id for t in tasks] == ["fine"]
    assert skipped[0].id == "needs-var" and "EG_TEST_SURELY_UNSET" in skipped[0].reason


# --------------------------------------------------------------------------- episodes (default sandbox)


def multi_step_task(root: Path, *, toml_extra: str = "") -> Path:
    """A files-style three-step task: each step appends a line; step tests check the whole file."""
    task = root / "steps-task"
    (task / "environment").mkdir(parents=True)
    (task / "environment" / "setup.sh").write_text("true\n")
    (task / "task.toml").write_text(
        textwrap.dedent("""
        version = "1.0"
        [agent]
        timeout_sec = 120.0
        [[steps]]
        name = "one"
        [[steps]]
        name = "two"
        [[steps]]
        name = "three"
    """)
        + textwrap.dedent(toml_extra)
    )
    lines = []
    for name in ("one", "two", "three"):
        lines.append(name)
        step = task / "steps" / name
        (step / "tests").mkdir(parents=True)
        (step / "solution").mkdir()
        (step / "instruction.md").write_text(f"Append the line `{name}` to log.txt.")
        expected = "\\n".join(lines)
        (step / "tests" / "test.sh").write_text(
            reward_if(f'[ "$(cat log.txt 2>/dev/null)" = "$(printf "{expected}")" ]')
        )
        (step / "solution" / "solve.sh").write_text(f"echo {name} >> log.txt\n")
    return task


async def play(task, agent, sandbox=SANDBOX, settings=None):
    env = TerminalEnvironment(task.suite, context=EnvContext(sandbox=sandbox, settings=settings or {}))
    return await run_episode(env, agent, task, TerminalEnvironment, env_id=f"terminal/{task.suite}")


async def test_multi_step_is_one_episode_that_announces_each_step(tmp_path):
    task = tasks_in(multi_step_task(tmp_path))[0]
    record = await play(task, OracleAgent())
    assert record.status is EpisodeStatus.completed and record.reward == 1.0
    assert [c.name for c in record.grade.components] == ["step:one", "step:two", "step:three"]
    users = [m.content for m in record.messages if m.role == "user"]
    assert (
        users[0].startswith("Step 1 of 3 (one)")
        and users[1].startswith("Step 2 of 3 (two)")
        and users[2].startswith("Step 3 of 3")
    )
    nop = await play(task, NopAgent())
    assert nop.status is EpisodeStatus.completed and nop.reward == 0.0


async def test_state_carries_over_and_a_missed_step_counts(tmp_path):
    task = tasks_in(multi_step_task(tmp_path))[0]
    env = TerminalEnvironment(task.suite, context=EnvContext(sandbox=SANDBOX))
    try:
        await env.reset(task)
        for action in (
            Action.call("bash", command="echo one >> log.txt"),
            Action.call("submit"),
            Action.call("bash", command="echo wrong >> log.txt"),
            Action.call("submit"),
            Action.call("bash", command="echo three >> log.txt"),
            Action.call("submit"),
        ):
            result = await env.step(action)
        assert result.done and result.reward == pytest.approx(1 / 3)  # step one passed; two and three saw "wrong"
        assert [c.reward for c in result.grade.components] == [1.0, 0.0, 0.0]
    finally:
        await env.close()


async def test_min_reward_stops_the_remaining_steps_as_harbor_does(tmp_path):
    root = multi_step_task(tmp_path)
    toml = (root / "task.toml").read_text().replace('name = "one"', 'name = "one"\nmin_reward = 1.0', 1)
    (root / "task.toml").write_text(toml)
    task = tasks_in(root)[0]
    record = await play(task, NopAgent())
    assert record.reward == 0.0 and "the remaining steps were not run" in record.grade.details["stopped"]
    assert len(record.grade.details["steps"]) == 1


async def test_a_turn_limit_scores_the_unreached_steps_zero(tmp_path):
    task = tasks_in(multi_step_task(tmp_path, toml_extra=""))[0]
    task.payload["max_turns"] = 2
    env = TerminalEnvironment(task.suite, context=EnvContext(sandbox=SANDBOX))
    try:
        await env.reset(task)
        await env.step(Action.call("bash", command="echo one >> log.txt"))
        result = await env.step(
            Action.call("bash", command="true")
        )  # the turn limit: step one is graded, 2/3 never reached
        assert result.truncated and result.reward == pytest.approx(1 / 3)
        assert result.grade.details["unreached_steps_scored_zero"] == 2
    finally:
        await env.close()


def test_step_reward_rules():
    def outcome(name, **rewards):
        return StepOutcome(
            name,
            Grade(reward=rewards["reward"], components=[GradeComponent(name=k, reward=v) for k, v in rewards.items()]),
        )

    steps = [outcome("a", reward=1.0, speed=0.5), outcome("b", reward=0.0)]
    assert aggregate(steps, "mean", total=2).reward == 0.5
    assert {c.name: c.reward for c in aggregate(steps, "mean", total=2).components}["speed"] == 0.25  # missing counts 0
    assert aggregate(steps, "final", total=2).reward == 0.0
    assert min_reward_failure({"reward": 1.0}, {"reward": 1.0, "format": 1.0}) == "format=missing is below min_reward 1"
    broken = StepOutcome("c", Grade.grader_error("test.sh wrote nothing"))
    assert aggregate(steps + [broken], "mean", total=3).status == "grader_error"


def separate_task(root: Path) -> Path:
    return write_task(
        root,
        "sep",
        toml="""
        version = "1.0"
        artifacts = ["out/answer.txt"]
        [verifier]
        environment_mode = "separate"
    """,
        setup_sh="mkdir -p out\n",
        solve_sh="echo 42 > out/answer.txt\necho leftover > scratch.txt\n",
        test_sh=reward_if('[ "$(cat out/answer.txt 2>/dev/null)" = 42 ] && [ ! -e scratch.txt ]'),
    )


async def test_a_separate_verifier_sees_the_artifacts_and_nothing_else(tmp_path):
    task = tasks_in(separate_task(tmp_path))[0]
    record = await play(task, OracleAgent())
    assert record.reward == 1.0, record.grade
    manifest = record.grade.details["artifacts"]["manifest"]
    assert manifest == [
        {
            "source": "out/answer.txt",
            "service": "main",
            "path": manifest[0]["path"],
            "destination": None,
            "status": "ok",
            "bytes": manifest[0]["bytes"],
        }
    ]
    assert (await play(task, NopAgent())).reward == 0.0


async def test_a_solution_far_larger_than_a_command_line_runs(tmp_path):
    root = write_task(
        tmp_path,
        "big",
        setup_sh="true\n",
        solve_sh="cp /solution/blob.bin blob.bin\n",
        test_sh=reward_if('[ "$(sha256sum blob.bin | cut -c1-64)" = "$(cat /tests/sum)" ]'),
    )
    blob = os.urandom(300_000)  # incompressible: ~400 KB of base64 inside the oracle's command
    (root / "solution" / "blob.bin").write_bytes(blob)
    import hashlib

    (root / "tests" / "sum").write_text(hashlib.sha256(blob).hexdigest())
    task = tasks_in(root)[0]
    record = await play(task, OracleAgent())
    assert record.status is EpisodeStatus.completed and record.reward == 1.0, record.grade


# A lone surrogate (JSON "\\ud800" in the call's arguments) is not text: it runs as U+FFFD; a NUL byte is dropped.
@pytest.mark.parametrize("payload", ["x" * 300_000, "x"], ids=["long", "short"])
@pytest.mark.parametrize("tail", ["", "\ud800", "\x00"], ids=["plain", "lone-surrogate", "nul"])
async def test_a_command_longer_than_argv_allows_runs(tmp_path, payload, tail):
    task = tasks_in(write_task(tmp_path, "long", setup_sh="true\n", test_sh=reward_if("true")))[0]
    env = TerminalEnvironment(task.suite, context=EnvContext(sandbox=SANDBOX))
    try:
        await env.reset(task)
        result = await env.step(Action.call("bash", command=f"v='{payload}'; echo ${{#v}} ok{tail}"))
        assert not result.done and f"{len(payload)} ok" in result.observation.messages[0].content, result
    finally:
        await env.close()
