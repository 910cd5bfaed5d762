"""The eval runner: results, resume (also after SIGKILL), retry of errors, remote runs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections import Counter

import pytest

from envgym.eval.records import RecordStore
from envgym.eval.runner import EvalConfig, EvalRunner
from envgym.eval.server_process import cli_command
from envgym.protocol.errors import InvalidRequest
from envgym.testing.openai_server import Reply, error_reply
from scripts import counter_solver


def lines_of(path):
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.mark.parametrize("env", ["debug/echo", "debug/counter"])
async def test_oracle_scores_one_and_nop_zero(tmp_path, env):
    oracle = await EvalRunner(EvalConfig(env=env, agent="oracle", out=tmp_path / "o", samples=2, concurrency=3)).run()
    nop = await EvalRunner(EvalConfig(env=env, agent="nop", out=tmp_path / "n")).run()
    assert oracle.summary["mean_reward"] == 1.0 and oracle.summary["pass@1"] == 1.0 and oracle.summary["pass@2"] == 1.0
    assert nop.summary["mean_reward"] == 0.0 and nop.summary["pass@1"] == 0.0
    assert oracle.summary["status_counts"] == {"completed": oracle.summary["episodes"]}
    saved = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert saved["mean_reward"] == 1.0 and saved["k"] == 2
    records = lines_of(tmp_path / "o" / "episodes.jsonl")
    assert len(records) == 2 * saved["tasks"]
    first = records[0]
    assert first["versions"]["envgym"] and first["seed"] in (0, 1) and first["timings"]["total_s"] >= 0
    assert first["agent"] == "oracle" and first["grade"] is not None and first["messages"]


async def test_samples_get_distinct_seeds_and_resume_skips_finished(tmp_path):
    cfg = EvalConfig(env="debug/echo", agent="oracle", out=tmp_path, tasks=3, samples=2)
    first = await EvalRunner(cfg).run()
    assert first.ran == 6 and sorted({r.seed for r in first.records}) == [0, 1]
    with pytest.raises(InvalidRequest, match="--resume"):
        await EvalRunner(cfg).run()
    cfg.resume = True
    cfg.samples = 3  # asking for more samples plays only the new ones
    again = await EvalRunner(cfg).run()
    assert again.ran == 3 and again.skipped == 6 and again.summary["episodes"] == 9
    assert len(lines_of(tmp_path / "episodes.jsonl")) == 9


async def test_resume_refuses_a_different_run(tmp_path):
    await EvalRunner(EvalConfig(env="debug/echo", agent="oracle", out=tmp_path, tasks=1)).run()
    with pytest.raises(InvalidRequest, match="agent"):
        await EvalRunner(EvalConfig(env="debug/echo", agent="nop", out=tmp_path, tasks=1, resume=True)).run()


async def test_errors_are_counted_apart_and_retry_errors_reruns_only_them(tmp_path, model):
    broken = {"count-to-2", "count-to-5"}

    def script(body):
        prompt = body["messages"][1]["content"]
        if any(f"counter is {t.split('-')[-1]}," in prompt for t in broken):
            return error_reply(503, "model overloaded")
        return counter_solver(body)

    model.handler = script
    cfg = EvalConfig(
        env="debug/counter",
        agent="openai",
        model="scripted",
        base_url=model.base_url,
        out=tmp_path,
        agent_config={"retries": 0},
        concurrency=2,
    )
    first = await EvalRunner(cfg).run()
    s = first.summary
    assert s["status_counts"] == {"agent_error": 2, "completed": 3}
    assert s["errors"] == 2 and s["scored_episodes"] == 3
    assert s["mean_reward"] == 1.0  # the failures are not averaged in as zeros

    model.handler = counter_solver
    model.requests.clear()
    cfg.retry_errors = True
    second = await EvalRunner(cfg).run()
    assert second.ran == 2
    assert {r.task_id for r in second.records if r.status.value == "completed"} >= broken
    prompts = {r["messages"][1]["content"] for r in model.requests}
    assert all(("counter is 2," in p) or ("counter is 5," in p) for p in prompts)  # only the failed tasks ran again
    assert second.summary["status_counts"] == {"completed": 5} and second.summary["errors"] == 0
    # The file keeps the history; the current view has one record per episode.
    assert len(lines_of(tmp_path / "episodes.jsonl")) == 7 and len(RecordStore(tmp_path).load()) == 5


def test_partial_last_line_is_ignored_and_cut_before_appending(tmp_path):
    import asyncio

    asyncio.run(EvalRunner(EvalConfig(env="debug/echo", agent="oracle", out=tmp_path, tasks=2)).run())
    path = tmp_path / "episodes.jsonl"
    with open(path, "a") as f:
        f.write('{"env": "debug/echo", "task_id": "echo-5", "ag')  # a writer killed mid-line
    store = RecordStore(tmp_path)
    assert len(store.load()) == 2 and store.skipped_lines == 1
    asyncio.run(EvalRunner(EvalConfig(env="debug/echo", agent="oracle", out=tmp_path, tasks=4, resume=True)).run())
    rows = lines_of(path)  # every line parses: the fragment was cut off
    assert sorted(r["task_id"] for r in rows) == ["echo-0", "echo-1", "echo-2", "echo-3"]


def test_resume_after_sigkill_neither_repeats_nor_loses_episodes(tmp_path, model):
    def slow(body):
        return Reply(body=counter_solver(body), delay=0.05)

    model.handler = slow
    out = tmp_path / "run"
    args = [
        "eval",
        "debug/counter",
        "--agent",
        "openai",
        "--model",
        "scripted",
        "--base-url",
        model.base_url,
        "-k",
        "4",
        "-c",
        "2",
        "--out",
        str(out),
        "--no-progress",
    ]
    proc = subprocess.Popen(
        cli_command(*args), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    path = out / "episodes.jsonl"
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            if path.exists() and path.read_bytes().count(b"\n") >= 4:
                break
            assert proc.poll() is None, proc.stderr.read().decode()
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(30)
    done_before = path.read_bytes().count(b"\n")
    assert 4 <= done_before < 20, "the kill must land mid-run"
    model.handler = counter_solver
    result = subprocess.run(cli_command(*args, "--resume"), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    rows = lines_of(path)
    keys = Counter((r["task_id"], r["sample"]) for r in rows)
    assert len(keys) == 20 and set(keys.values()) == {1}, keys  # all 5 tasks x 4 samples, each exactly once
    assert all(r["status"] == "completed" and r["reward"] == 1.0 for r in rows)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["episodes"] == 20 and summary["pass@4"] == 1.0


@pytest.mark.parametrize("websocket", [False, True])
def test_remote_eval_through_a_server(tmp_path, envgym_server, websocket):
    import asyncio

    cfg = EvalConfig(
        env="debug/counter",
        agent="oracle",
        out=tmp_path / "o",
        server=envgym_server.url,
        samples=2,
        websocket=websocket,
    )
    oracle = asyncio.run(EvalRunner(cfg).run())
    assert oracle.summary["mean_reward"] == 1.0 and oracle.summary["episodes"] == 10
    nop = asyncio.run(
        EvalRunner(EvalConfig(env="debug/echo", agent="nop", out=tmp_path / "n", server=envgym_server.url)).run()
    )
    assert nop.summary["mean_reward"] == 0.0 and nop.summary["errors"] == 0


def test_remote_only_family_runs_model_agents_and_marks_oracle_unavailable(tmp_path, envgym_server, monkeypatch, model):
    from envgym.eval import remote

    monkeypatch.setattr(
        remote, "_local_family", lambda env, tasks: (None, [])
    )  # as if the plugin were not installed here
    model.handler = counter_solver
    ok = __import__("asyncio").run(
        EvalRunner(
            EvalConfig(
                env="debug/counter",
                agent="openai",
                model="m",
                base_url=model.base_url,
                out=tmp_path / "m",
                server=envgym_server.url,
                tasks=2,
            )
        ).run()
    )
    assert ok.summary["mean_reward"] == 1.0
    assert {t["function"]["name"] for t in model.requests[0]["tools"]} == {"increment", "submit"}
    oracle = __import__("asyncio").run(
        EvalRunner(
            EvalConfig(env="debug/counter", agent="oracle", out=tmp_path / "o", server=envgym_server.url, tasks=1)
        ).run()
    )
    assert oracle.summary["status_counts"] == {"agent_error": 1}


def test_cli_eval_prints_table_and_writes_files(tmp_path):
    result = subprocess.run(
        cli_command("eval", "debug/echo", "--agent", "oracle", "-n", "3", "--out", str(tmp_path), "--no-progress"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "pass@1" in result.stdout and "completed 3" in result.stdout
    assert json.loads((tmp_path / "summary.json").read_text())["mean_reward"] == 1.0
    again = subprocess.run(
        cli_command("eval", "debug/echo", "--out", str(tmp_path), "--no-progress"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode != 0 and "--resume" in again.stderr


def test_one_writer_per_run_directory(tmp_path):
    import asyncio

    store = RecordStore(tmp_path).open()
    try:
        with pytest.raises(InvalidRequest, match="another process"):
            asyncio.run(EvalRunner(EvalConfig(env="debug/echo", agent="oracle", out=tmp_path, tasks=1)).run())
    finally:
        store.close()
    assert asyncio.run(EvalRunner(EvalConfig(env="debug/echo", agent="oracle", out=tmp_path, tasks=1)).run()).ran == 1


async def test_retry_errors_alone_does_not_fill_gaps(tmp_path):
    await EvalRunner(EvalConfig(env="debug/echo", agent="oracle", out=tmp_path, tasks=2)).run()
    only_errors = await EvalRunner(
        EvalConfig(env="debug/echo", agent="oracle", out=tmp_path, tasks=4, retry_errors=True)
    ).run()
    assert only_errors.ran == 0
    both = await EvalRunner(
        EvalConfig(env="debug/echo", agent="oracle", out=tmp_path, tasks=4, retry_errors=True, resume=True)
    ).run()
    assert both.ran == 2 and both.summary["episodes"] == 4
