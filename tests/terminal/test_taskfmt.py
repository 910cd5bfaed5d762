"""The task-directory loader: Harbor's layout is read into checked models; a malformed task raises an
error naming the file and the field (tests/terminal/test_harbor_format.py covers every Harbor key)."""

from __future__ import annotations

import pytest
from terminal_helpers import write_task

from envgym.kernel.context import EnvContext
from envgym_terminal import TerminalEnvironment, UnsupportedTaskFeature, load_task_dir, tasks_in
from envgym_terminal.bundle import rewrite_paths
from envgym_terminal.taskfmt import TaskFormatError, dockerfile_workdir

OK_TEST = "echo 1 > /logs/verifier/reward.txt\n"


def test_reads_harbor_task_toml(tmp_path):
    root = write_task(
        tmp_path,
        "t1",
        test_sh=OK_TEST,
        solve_sh="true\n",
        toml="""
        schema_version = "1.1"
        [task]
        name = "me/t1"
        keywords = ["x"]
        [metadata]
        difficulty = "hard"
        category = "demo"
        [verifier]
        timeout_sec = 33.0
        env = { LEVEL = "2" }
        [agent]
        timeout_sec = 90.0
        max_turns = 7
        [environment]
        memory = "2G"
        storage_mb = 300
        cpus = 2
        allow_internet = false
    """,
    )
    spec = load_task_dir(root)
    assert (
        spec.task_id == "t1" and spec.config.verifier.timeout_sec == 33.0 and spec.config.verifier.env == {"LEVEL": "2"}
    )
    assert (
        spec.config.environment.memory_mb == 2048 and spec.config.environment.storage_mb == 300 and spec.workdir is None
    )
    assert spec.config.environment.network_mode == "no-network" and spec.ignored == []
    task = tasks_in(root)[0]
    assert task.prompt == "Do the thing." and task.metadata["max_turns"] == 7 and task.metadata["difficulty"] == "hard"
    assert task.metadata["tags"] == ["x"] and task.payload["agent_timeout_sec"] == 90.0 and task.payload["cpus"] == 2
    # What decides the reward never sits in the public parts of the record.
    assert "tests_b64" in task.private and "tests_b64" not in task.payload and "solution_b64" in task.private
    assert set(task.public().model_dump()) == {"id", "suite", "prompt", "metadata"}


def test_malformed_directories_say_what_is_wrong(tmp_path):
    root = write_task(tmp_path, "t", test_sh=OK_TEST, toml="[verifier\n")
    with pytest.raises(TaskFormatError, match="not valid TOML"):
        load_task_dir(root)
    root = write_task(tmp_path, "u", test_sh=OK_TEST, toml="[verifier]\ntimeout_sec = 'soon'\n")
    with pytest.raises(TaskFormatError) as err:
        load_task_dir(root)
    assert err.value.details["field"] == "verifier.timeout_sec"
    root = write_task(tmp_path, "v", test_sh=OK_TEST)
    (root / "tests" / "test.sh").unlink()
    with pytest.raises(TaskFormatError, match="tests/test.sh"):
        load_task_dir(root)
    root = write_task(tmp_path, "w", test_sh=OK_TEST, instruction="  \n")
    with pytest.raises(TaskFormatError, match="instruction.md.*empty"):
        load_task_dir(root)


def test_dockerfile_with_setup_script_runs_without_docker(tmp_path):
    root = write_task(
        tmp_path,
        "both",
        test_sh=OK_TEST,
        setup_sh="echo hi > a\n",
        extra={"environment/Dockerfile": "FROM debian\nWORKDIR /app\nRUN echo hi > a\n"},
    )
    task = tasks_in(root)[0]
    TerminalEnvironment("local", context=EnvContext(sandbox="process"))._check_runnable(task)


def test_internet_needs_an_explicit_host_setting(tmp_path):
    task = tasks_in(write_task(tmp_path, "net", test_sh=OK_TEST, toml="[environment]\nallow_internet = true\n"))[0]
    with pytest.raises(UnsupportedTaskFeature, match="terminal.allow_internet=true"):
        TerminalEnvironment("local", context=EnvContext(sandbox="process"))._check_runnable(task)
    TerminalEnvironment(
        "local", context=EnvContext(sandbox="process", settings={"terminal.allow_internet": True})
    )._check_runnable(task)


def test_duplicate_task_ids_in_one_suite_are_skipped(tmp_path):
    write_task(tmp_path / "a", "same", test_sh=OK_TEST)
    write_task(tmp_path / "b", "same", test_sh=OK_TEST)
    from envgym_terminal.record import load_suite_dirs

    tasks, skipped = load_suite_dirs([tmp_path / "a", tmp_path / "b"], "local")
    assert [t.id for t in tasks] == ["same"] and "appears twice" in skipped[0].reason


def test_path_rewriting_and_workdir():
    mapping = {"/tests": "/tmp/g/tests", "/logs": "/tmp/g/logs"}
    assert (
        rewrite_paths("bash /tests/run.sh > /logs/verifier/reward.txt", mapping)
        == "bash /tmp/g/tests/run.sh > /tmp/g/logs/verifier/reward.txt"
    )
    assert (
        rewrite_paths("cat /app/tests/x /testsuite '/tests'", mapping) == "cat /app/tests/x /testsuite '/tmp/g/tests'"
    )
    assert dockerfile_workdir("FROM x\nWORKDIR /a\nRUN y\nworkdir /b/c\n") == "/b/c"
    assert dockerfile_workdir("FROM x\nWORKDIR $HOME\n") is None
    assert dockerfile_workdir("FROM x\nWORKDIR /app\nWORKDIR /tmp\n") == "/tmp"


def test_shipped_suite_has_at_least_30_tasks_across_the_categories():
    tasks = TerminalEnvironment.tasks("core")
    assert len(tasks) >= 30
    categories = {t.metadata["category"] for t in tasks}
    assert {
        "text-processing",
        "files-and-permissions",
        "archives",
        "git",
        "sqlite",
        "log-analysis",
        "shell-scripting",
        "python-scripting",
        "c-and-make",
        "process-handling",
    } <= categories
    assert {t.metadata["difficulty"] for t in tasks} == {"easy", "medium", "hard"}
    assert all(t.private.get("solution_b64") for t in tasks)
