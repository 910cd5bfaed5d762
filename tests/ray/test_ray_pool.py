"""envgym.adapters.ray.EnvPool on a simulated multi-node Ray cluster (ray.cluster_utils.Cluster): placement
across nodes, session affinity, backpressure, and a worker node killed mid-run."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import ValidationError

ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'envgym[ray]')")
from ray.cluster_utils import Cluster  # noqa: E402

from envgym import Action, EpisodeStatus  # noqa: E402
from envgym.adapters.ray import AsyncEnvPool, EnvPool  # noqa: E402
from envgym.agents.builtin import OracleAgent  # noqa: E402
from envgym.agents.loop import run_episode  # noqa: E402
from envgym.builtin.debug import DebugEnvironment  # noqa: E402
from envgym.protocol.errors import CapacityExhausted, InvalidRequest, SessionClosed, StepTimeout, UnknownSession  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster():
    # A head node with no CPUs and two worker nodes offering the resource pool workers ask for,
    # so every environment worker lands on a "remote" node that the test can kill.
    c = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    nodes = [c.add_node(num_cpus=1, resources={"envgym_worker": 4}) for _ in range(2)]
    c.wait_for_nodes()
    ray.init(address=c.address, log_to_driver=False)
    yield c, nodes
    ray.shutdown()
    c.shutdown()


def make_pool(**kwargs) -> AsyncEnvPool:
    return AsyncEnvPool(
        num_workers=2, sandbox="process", num_cpus_per_worker=0, worker_resources={"envgym_worker": 1}, **kwargs
    )


def test_the_blocking_pool_runs_on_its_own_loop_thread(cluster):
    with EnvPool(
        num_workers=1, sandbox="process", num_cpus_per_worker=0, worker_resources={"envgym_worker": 1}
    ) as pool:
        created = pool.create_session("debug/echo", task_id="echo-0")
        assert pool.step(created.session_id, "alpha").reward == 1.0
        pool.close_session(created.session_id)
        assert pool.aio.open_sessions() == 0
    assert pool._loop.loop.is_closed()  # close released the pool, then stopped its loop


async def test_workers_spread_and_episodes_run_remotely(cluster):
    pool = make_pool()
    try:
        where = await pool.wait_ready()
        assert len({w.split(":")[2] for w in where}) == 2  # two different nodes
        tasks = DebugEnvironment.tasks("counter")
        records = await asyncio.gather(
            *(run_episode(pool.episode("debug/counter"), OracleAgent(), t, DebugEnvironment) for t in tasks)
        )
        assert [r.reward for r in records] == [1.0] * len(tasks)
        assert all(r.status is EpisodeStatus.completed for r in records)
        rollouts = await pool.rollout("debug/echo", "echo-4", agent="oracle", n=3)
        assert [r.reward for r in rollouts] == [1.0, 1.0, 1.0]
        assert pool.open_sessions() == 0
    finally:
        await pool.aclose()


async def test_session_affinity_and_unknown_session(cluster):
    pool = make_pool()
    try:
        created = await pool.create_session("debug/counter", task_id="count-to-3")
        for expected in (1, 2, 3):
            result = await pool.step(created.session_id, Action.call("increment"))
            assert result.observation.data == {"counter": expected}  # state kept on one worker
        assert (await pool.step(created.session_id, Action.call("submit"))).reward == 1.0
        await pool.close_session(created.session_id)
        with pytest.raises(UnknownSession):
            await pool.step(created.session_id, Action.call("submit"))
    finally:
        await pool.aclose()


async def test_a_ray_step_gets_the_hosts_step_timeout_and_cleanup(cluster):
    # The worker is a face of the episode host (envgym.host): a step over the step timeout is
    # cancelled, raises StepTimeout as the HTTP server's 504 does, and its episode ends as timeout
    # with its slot released; the session stays readable until closed, then it is gone.
    pool = make_pool(limits={"step_timeout_s": 1})
    try:
        slow = await pool.create_session("debug/counter", task_id="count-to-1", options={"step_delay_s": 60})
        quick = await pool.create_session("debug/counter", task_id="count-to-1")
        with pytest.raises(StepTimeout, match="step timeout of 1 s"):
            await pool.step(slow.session_id, Action.call("increment"))
        handle = pool._where[slow.session_id].handle
        assert await handle.status.remote(slow.session_id) == "timeout"
        with pytest.raises(SessionClosed):
            await pool.step(slow.session_id, Action.call("submit"))
        # The other episode goes on; the timed-out one no longer holds a slot of its worker's host.
        assert (await pool.step(quick.session_id, Action.call("increment"))).observation.data == {"counter": 1}
        held = sum([await s.handle.open_sessions.remote() for s in pool._slots])
        assert held == 1
        await pool.close_session(slow.session_id)
        await pool.close_session(quick.session_id)
        assert sum([await s.handle.open_sessions.remote() for s in pool._slots]) == 0
        # A whole rollout on a worker is a session of the same host: the same timeout ends it.
        (record,) = await pool.rollout("debug/counter", "count-to-1", agent="oracle", options={"step_delay_s": 60})
        assert record.status is EpisodeStatus.timeout and record.error["code"] == "step_timeout"
        assert sum([await s.handle.open_sessions.remote() for s in pool._slots]) == 0
    finally:
        await pool.aclose()


def test_a_pool_refuses_unknown_limits_naming_the_key():
    with pytest.raises(ValidationError, match="step_timeout"):
        AsyncEnvPool(num_workers=1, limits={"step_timeout": 1})


def test_a_pool_refuses_an_unknown_setting_naming_the_key_before_any_worker_starts():
    with pytest.raises(InvalidRequest, match="unknown setting 'rubric.judge_url'"):
        AsyncEnvPool(num_workers=1, settings={"rubric.judge_url": "http://j/v1"})


async def test_backpressure_waits_then_refuses(cluster):
    pool = make_pool(max_sessions_per_worker=1, acquire_timeout_s=0.5)
    try:
        a = await pool.create_session("debug/counter", task_id="count-to-1")
        b = await pool.create_session("debug/counter", task_id="count-to-1")
        with pytest.raises(CapacityExhausted):
            await pool.create_session("debug/counter", task_id="count-to-1")
        waiter = asyncio.create_task(pool.create_session("debug/counter", task_id="count-to-1"))
        await asyncio.sleep(0.1)
        assert not waiter.done()
        await pool.close_session(a.session_id)  # room frees up: the waiter gets in
        c = await asyncio.wait_for(waiter, 10)
        for sid in (b.session_id, c.session_id):
            await pool.close_session(sid)
    finally:
        await pool.aclose()


async def test_killing_a_worker_node_ends_its_episodes_as_env_error(cluster):
    c, nodes = cluster
    pool = make_pool(acquire_timeout_s=60)
    try:
        await pool.wait_ready()
        sessions = [await pool.create_session("debug/counter", task_id="count-to-5") for _ in range(4)]
        node_of = {}
        for slot in pool._slots:
            node_id = (await slot.handle.ping.remote()).split(":")[2]
            for sid in slot.sessions:
                node_of[sid] = node_id
        victim = nodes[0]
        victim_id = victim.node_id
        c.remove_node(victim)
        outcomes = {}
        for s in sessions:
            result = await pool.step(s.session_id, Action.call("increment"))
            outcomes[s.session_id] = result
        on_victim = [sid for sid, n in node_of.items() if n == victim_id]
        survivors = [sid for sid in node_of if sid not in on_victim]
        assert on_victim and survivors
        for sid in on_victim:
            assert outcomes[sid].terminated and outcomes[sid].info["status"] == "env_error"
        for sid in survivors:
            assert not outcomes[sid].done and outcomes[sid].observation.data == {"counter": 1}
        assert pool.replaced_workers >= 1 and pool.num_workers == 2
        # The replacement worker serves new episodes (on the surviving node).
        record = await run_episode(
            pool.episode("debug/echo"), OracleAgent(), DebugEnvironment.get_task("echo", "echo-1"), DebugEnvironment
        )
        assert record.reward == 1.0
        # Add capacity back for other tests in this module.
        nodes[0] = c.add_node(num_cpus=1, resources={"envgym_worker": 4})
    finally:
        await pool.aclose()
