"""Harbor task directories on the docker provider, run as Harbor runs them: the conformance corpus
(environments/terminal/envgym_terminal/tasks/harbor) passes `envgym check` (oracle 1, nop 0 on every
task), a directory with a broken task runs the rest, and the parts of Harbor's runtime a check
cannot see: the image's WORKDIR, files and users, /tests only at verification, build errors that
name their step, artifacts in the episode record."""

from __future__ import annotations

import base64
import io
import json
import shutil
import tarfile

import pytest

from envgym.agents.builtin import OracleAgent
from envgym.agents.loop import run_episode
from envgym.kernel.context import EnvContext
from envgym.protocol import Action, EpisodeStatus
from envgym.testing import check_environment
from envgym_terminal import TerminalEnvironment, tasks_in
from envgym_terminal.suites import TASKS_ROOT

pytestmark = [pytest.mark.docker]

CORPUS = TASKS_ROOT / "harbor"
# The corpus needs no registry: one task's `FROM python:3.12-slim-bookworm` is mapped to the local
# base image (what an offline user does), and network access is allowed so that the allowlist task
# runs too (it needs no outside host).
SETTINGS = {
    "terminal.allow_internet": True,
    "docker.from_aliases": {"python:3.12-slim-bookworm": "envgym-base:bookworm"},
}


def docker_context(**settings) -> EnvContext:
    return EnvContext(sandbox="docker", settings={**SETTINGS, **settings})


@pytest.mark.slow
def test_the_conformance_corpus_passes_envgym_check_on_docker(docker_ready):
    report = check_environment("terminal/harbor", context=docker_context(), concurrency=2)
    assert report.ok and report.skipped == [], report.summary()
    assert report.tasks_checked == len(TerminalEnvironment.tasks("harbor")) >= 25


def test_a_directory_with_a_broken_task_runs_the_rest_on_docker(docker_ready, tmp_path):
    for name in ("dockerfile-basic", "prebuilt-image-upload"):
        shutil.copytree(CORPUS / name, tmp_path / name)
    shutil.copytree(CORPUS / "dockerfile-basic", tmp_path / "broken")
    (tmp_path / "broken" / "task.toml").write_text("[agent]\ntimeout_sec = 'later'\n")
    report = check_environment(
        "terminal/withbroken", context=docker_context(**{"terminal.tasks_dir": f"withbroken={tmp_path}"})
    )
    assert report.ok and report.tasks_checked == 2, report.summary()
    assert [(s.id, "agent.timeout_sec" in s.reason) for s in report.skipped] == [("broken", True)]


async def test_a_dockerfile_task_runs_as_harbor_runs_it(docker_ready):
    task = TerminalEnvironment.get_task("harbor", "dockerfile-basic")
    env = TerminalEnvironment("harbor", context=docker_context())
    try:
        reset = await env.reset(task)
        assert reset.info["workdir"] == "/app"  # the image's WORKDIR

        async def run(command: str) -> str:
            return (await env.step(Action.call("bash", command=command))).observation.messages[0].content

        # the image's files, root by default, a writable root, /logs for the agent, no /tests before grading
        out = await run(
            "pwd; id -u; cat numbers.txt | wc -l; touch /usr/local/bin/x && echo writable; "
            "ls -d /logs/agent /logs/artifacts; ls /tests 2>&1 | head -1"
        )
        lines = out.splitlines()
        assert lines[:4] == ["/app", "0", "5", "writable"] and "/logs/agent" in out and "No such file" in lines[6]
        assert env.box.spec.image.startswith("envgym-task:") and env.box.spec.image_defaults
    finally:
        await env.close()


async def test_workdir_tmp_keeps_the_files_the_image_put_there(docker_ready):
    task = TerminalEnvironment.get_task("harbor", "dockerfile-workdir-tmp")
    env = TerminalEnvironment("harbor", context=docker_context())
    try:
        reset = await env.reset(task)
        result = await env.step(Action.call("bash", command="pwd; wc -l < access.log"))
        assert reset.info["workdir"] == "/tmp" and result.observation.messages[0].content.splitlines()[:2] == [
            "/tmp",
            "15",
        ]
    finally:
        await env.close()


async def test_artifacts_and_collect_hooks_are_in_the_episode_record(docker_ready):
    task = TerminalEnvironment.get_task("harbor", "artifacts-collected")
    env = TerminalEnvironment("harbor", context=docker_context())
    record = await run_episode(env, OracleAgent(), task, TerminalEnvironment, env_id="terminal/harbor")
    assert record.status is EpisodeStatus.completed and record.reward == 1.0
    artifacts = json.loads(record.model_dump_json())["grade"]["details"]["artifacts"]
    by_source = {m["source"]: m for m in artifacts["manifest"]}
    assert by_source["build"]["status"] == "ok" and by_source["/var/log/build"]["destination"] == "logs/build"
    names = tarfile.open(fileobj=io.BytesIO(base64.b64decode(artifacts["tar_gz_b64"]))).getnames()
    assert "app/build/app" in names and "var/log/build/make.log" in names
    assert "var/log/build/work.tmp" not in names  # exclude = ["*.tmp"]


async def test_multi_step_and_separate_verifier_records(docker_ready):
    task = TerminalEnvironment.get_task("harbor", "multi-step-gated")
    record = await run_episode(
        TerminalEnvironment("harbor", context=docker_context()),
        OracleAgent(),
        task,
        TerminalEnvironment,
        env_id="terminal/harbor",
    )
    assert record.reward == 1.0 and [c.name for c in record.grade.components][:2] == ["step:prepare", "step:finish"]
    assert record.grade.details["strategy"] == "final"
    task = TerminalEnvironment.get_task("harbor", "separate-verifier-copy")
    record = await run_episode(
        TerminalEnvironment("harbor", context=docker_context()),
        OracleAgent(),
        task,
        TerminalEnvironment,
        env_id="terminal/harbor",
    )
    assert record.reward == 1.0, record.grade  # the check also requires that scratch.txt did not reach it


async def test_a_failing_build_names_its_step(docker_ready, tmp_path):
    root = tmp_path / "bad-build"
    shutil.copytree(CORPUS / "dockerfile-basic", root)
    (root / "environment" / "Dockerfile").write_text(
        "FROM envgym-base:bookworm\nRUN echo fine\nRUN echo broken-step >&2; exit 7\n"
    )
    task = tasks_in(root)[0]
    record = await run_episode(
        TerminalEnvironment(task.suite, context=docker_context()),
        OracleAgent(),
        task,
        TerminalEnvironment,
        env_id="terminal/local",
    )
    assert record.status is EpisodeStatus.env_error
    message = record.error["message"]
    assert "Step 3/" in message and "exit 7" in message and "returned a non-zero code: 7" in message


async def test_an_unknown_base_image_says_how_to_work_offline(docker_ready, tmp_path):
    root = tmp_path / "offline"
    shutil.copytree(CORPUS / "offline-from-alias", root)
    (root / "environment" / "Dockerfile").write_text("FROM envgym-no-such-registry.invalid/base:1\nWORKDIR /app\n")
    task = tasks_in(root)[0]
    record = await run_episode(
        TerminalEnvironment(task.suite, context=EnvContext(sandbox="docker")),
        OracleAgent(),
        task,
        TerminalEnvironment,
        env_id="terminal/local",
    )
    assert record.status is EpisodeStatus.env_error and "docker.from_aliases" in record.error["message"]
