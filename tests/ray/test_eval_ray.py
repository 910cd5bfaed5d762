"""`envgym eval --ray ADDRESS`: the eval runner plays its episodes on an envgym.adapters.ray worker pool
placed on a (simulated, multi-node) Ray cluster."""

from __future__ import annotations

import json
import subprocess

import pytest

ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'envgym[ray]')")
from ray.cluster_utils import Cluster  # noqa: E402

from envgym.eval.records import RecordStore  # noqa: E402
from envgym.eval.runner import EvalConfig, EvalRunner  # noqa: E402
from envgym.eval.server_process import cli_command  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster():
    c = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    c.add_node(num_cpus=2)
    c.wait_for_nodes()
    yield c
    if ray.is_initialized():
        ray.shutdown()
    c.shutdown()


async def test_eval_runner_on_a_ray_pool(cluster, tmp_path):
    cfg = EvalConfig(
        env="debug/counter",
        agent="oracle",
        out=tmp_path / "run",
        samples=2,
        ray=cluster.address,
        ray_workers=2,
        sandbox="process",
    )
    result = await EvalRunner(cfg).run()
    assert result.summary["mean_reward"] == 1.0
    assert len(result.records) == 10 and all(r.status.value == "completed" for r in result.records)
    assert not ray.is_initialized()  # the runner connected to the cluster, so it disconnects afterwards


def test_eval_cli_ray_flag(cluster, tmp_path):
    out = tmp_path / "cli"
    done = subprocess.run(
        cli_command(
            "eval",
            "debug/echo",
            "--agent",
            "oracle",
            "-n",
            "3",
            "--ray",
            cluster.address,
            "--ray-workers",
            "1",
            "--sandbox",
            "process",
            "--out",
            str(out),
            "--json",
        ),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    records = RecordStore(out).load()
    assert [r.reward for r in records] == [1.0, 1.0, 1.0]
    assert json.loads((out / "run.json").read_text())["ray"] == cluster.address


def test_server_and_ray_are_exclusive(tmp_path):
    done = subprocess.run(
        cli_command(
            "eval", "debug/echo", "--server", "http://127.0.0.1:1", "--ray", "auto", "--out", str(tmp_path / "x")
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0 and "--ray" in done.stdout + done.stderr
