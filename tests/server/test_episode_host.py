"""EpisodeHost's guarantees stated on the host itself (no HTTP): session ids, capacity, the slot a
failed creation gives back, step bookkeeping, tombstones, ttl and idle reaping, cancellation and
shutdown. The same limits through the app are in test_limits.py."""

from __future__ import annotations

import asyncio
import threading
from types import SimpleNamespace
from typing import Any

import pytest
import server_testenvs

from envgym.host.limits import HostLimits
from envgym.host.metrics import HostMetrics
from envgym.host.sessions import EpisodeHost, load_task
from envgym.host.tracking import TrackedContext
from envgym.kernel import registry
from envgym.protocol import Action, Grade, SessionCreate, SuiteInfo, Task
from envgym.protocol.errors import (
    CapacityExhausted,
    EnvironmentFailed,
    InvalidRequest,
    SessionClosed,
    StepTimeout,
    UnknownSession,
)

ECHO = SessionCreate(env="debug/echo", task_id="echo-3")
SLOW = SessionCreate(env="slowtest/main", task_id="t1")


class BrokenConstructor(server_testenvs.SlowEnvironment):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError("no such thing")


class BrokenReset(server_testenvs.SlowEnvironment):
    async def on_reset(self, task: Any, seed: int | None) -> Any:
        raise RuntimeError("reset broke")


class SlowReset(server_testenvs.SlowEnvironment):
    async def on_reset(self, task: Any, seed: int | None) -> Any:
        await asyncio.sleep(30)


class TypedConstructorError(server_testenvs.SlowEnvironment):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise InvalidRequest("option 'x' is not known to this environment", details={"option": "x"})


class TwoSuites(server_testenvs.SlowEnvironment):
    @classmethod
    def suites(cls) -> list[SuiteInfo]:
        return [SuiteInfo(name="main", description="the default"), SuiteInfo(name="second", description="another")]


class FinishesThenWaits(server_testenvs.SlowEnvironment):
    """Ends its episode, then waits inside the same step (until it is cancelled)."""

    async def on_step(self, action: Action) -> Any:
        result = self.finish(Grade.binary(True))
        server_testenvs.EVENTS.append("finished-waiting")
        await asyncio.Event().wait()
        return result


registry.register("environments", "typedinit", TypedConstructorError, replace=True)
registry.register("environments", "twosuites", TwoSuites, replace=True)
registry.register("environments", "finishesthenwaits", FinishesThenWaits, replace=True)


class FinishesQuietly(server_testenvs.SlowEnvironment):
    """Ends its episode (finish) but answers the step with a result that does not say so."""

    async def on_step(self, action: Action) -> Any:
        result = self.finish(Grade.binary(True))
        return result.model_copy(update={"terminated": False, "truncated": False})


class HangingClose(server_testenvs.SlowEnvironment):
    """Its on_close never returns (and leaves its sandbox to the host)."""

    async def on_close(self) -> None:
        await asyncio.Event().wait()


class LeavesItsSandbox(server_testenvs.SlowEnvironment):
    async def on_close(self) -> None:
        pass  # the sandbox from reset stays open: the host must close it


class RecordsSeed(server_testenvs.SlowEnvironment):
    seeds: list[int | None] = []

    async def on_reset(self, task: Any, seed: int | None) -> Any:
        RecordsSeed.seeds.append(seed)
        return await super().on_reset(task, seed)


class GatedReset(server_testenvs.SlowEnvironment):
    """Its reset waits for ``gate`` (set by the test)."""

    gate: asyncio.Event | None = None

    async def on_reset(self, task: Any, seed: int | None) -> Any:
        server_testenvs.EVENTS.append("gated-reset")
        assert GatedReset.gate is not None
        await GatedReset.gate.wait()
        return await super().on_reset(task, seed)


registry.register("environments", "gatedreset", GatedReset, replace=True)
registry.register("environments", "recordsseed", RecordsSeed, replace=True)
registry.register("environments", "hangingclose", HangingClose, replace=True)
registry.register("environments", "leavessandbox", LeavesItsSandbox, replace=True)
registry.register("environments", "quietfinish", FinishesQuietly, replace=True)
registry.register("environments", "slowreset", SlowReset, replace=True)
registry.register("environments", "brokeninit", BrokenConstructor, replace=True)
registry.register("environments", "brokenreset", BrokenReset, replace=True)


def host(**limits: Any) -> EpisodeHost:
    return EpisodeHost(HostLimits(**limits), TrackedContext(sandbox="process"))


async def until(condition: Any) -> None:
    """Bounded polling on a condition (no fixed sleep)."""
    for _ in range(3000):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never held")


# ---------------------------------------------------------------- creation


@pytest.mark.parametrize("bad", ["short", "x" * 129, "has space1", "semi;colon", "dots.dots", "ünïcödé-id"])
async def test_a_session_id_a_client_chooses_must_be_8_to_128_safe_characters(bad):
    h = host()
    with pytest.raises(InvalidRequest) as caught:
        await h.create(ECHO, bad)
    assert caught.value.details == {"session_id": bad}
    assert h.open_count == 0 and h.known_count == 0
    await h.aclose()


async def test_the_seed_a_session_asks_for_reaches_the_environments_reset():
    """Reproducible episodes: the request's seed is the one the environment resets with."""
    h = host()
    RecordsSeed.seeds.clear()
    for seed in (7, None, 0):
        session, _ = await h.create(SessionCreate(env="recordsseed/main", task_id="t1", seed=seed))
        assert session.seed == seed  # and the session remembers it
    assert RecordsSeed.seeds == [7, None, 0]
    await h.aclose()


async def test_a_chosen_session_id_is_used_and_cannot_be_taken_twice():
    h = host()
    for good in ("a" * 8, "A-z_0-9-" * 16):
        session, _ = await h.create(ECHO, good)
        assert session.id == good and h.get(good) is session
    with pytest.raises(InvalidRequest, match="already exists") as caught:
        await h.create(ECHO, "a" * 8)
    assert caught.value.details == {"session_id": "a" * 8}
    assert h.open_count == 2
    await h.aclose()


async def test_generated_session_ids_are_distinct():
    h = host()
    ids = {(await h.create(ECHO))[0].id for _ in range(3)}
    assert len(ids) == 3 and all(len(i) == 32 for i in ids)
    await h.aclose()


async def test_capacity_is_refused_at_once_naming_the_limit_and_a_slot_comes_back_on_close():
    h = host(max_sessions=2, retry_after_s=7)
    first, _ = await h.create(ECHO)
    await h.create(ECHO)
    with pytest.raises(CapacityExhausted) as caught:
        await h.create(ECHO)
    assert caught.value.details == {"max_sessions": 2} and caught.value.retry_after == 7
    assert "all 2 session slots are in use" in caught.value.message
    assert await h.close(first.id) is True
    assert h.open_count == 1
    await h.create(ECHO)
    await h.aclose()


async def test_after_shutdown_begins_nothing_is_created():
    h = host(retry_after_s=3)
    await h.aclose()
    with pytest.raises(CapacityExhausted, match="shutting down") as caught:
        await h.create(ECHO)
    assert caught.value.retry_after == 3 and h.open_count == 0


async def test_an_environment_that_cannot_be_built_is_its_error_and_gives_its_slot_back():
    h = host(max_sessions=1)
    with pytest.raises(EnvironmentFailed) as caught:
        await h.create(SessionCreate(env="brokeninit/main", task_id="t1"))
    assert caught.value.message == "creating brokeninit/main failed: RuntimeError: no such thing"
    assert h.open_count == 0
    await h.create(ECHO)  # the one slot is free
    await h.aclose()


async def test_an_environment_refusing_its_options_with_a_typed_error_passes_it_on_and_gives_its_slot_back():
    h = host(max_sessions=1)
    with pytest.raises(InvalidRequest) as caught:
        await h.create(SessionCreate(env="typedinit/main", task_id="t1", options={"x": 1}))
    assert caught.value.message == "option 'x' is not known to this environment"
    assert caught.value.details == {"option": "x"}
    assert h.open_count == 0
    await h.create(ECHO)  # the one slot is free
    await h.aclose()


async def test_the_environment_is_built_for_the_suite_asked_for():
    h = host()
    second, _ = await h.create(SessionCreate(env="twosuites/second", task_id="t1"))
    default, _ = await h.create(SessionCreate(env="twosuites", task_id="t1"))
    assert (second.env.suite, second.task.suite, second.env_id) == ("second", "second", "twosuites/second")
    assert default.env.suite == "main"
    await h.aclose()


async def test_a_reset_that_fails_is_the_environments_error_or_with_options_the_callers_and_frees_the_slot():
    h = host(max_sessions=1)
    with pytest.raises(EnvironmentFailed) as env_error:
        await h.create(SessionCreate(env="brokenreset/main", task_id="t1"))
    assert env_error.value.message == "reset of brokenreset/main/t1 failed: RuntimeError: reset broke"
    with pytest.raises(InvalidRequest) as caller_error:
        await h.create(SessionCreate(env="brokenreset/main", task_id="t1", options={"x": 1}))
    assert caller_error.value.message.startswith("reset of brokenreset/main/t1 with the given options/task failed")
    assert caller_error.value.details == {"options": {"x": 1}}
    with pytest.raises(InvalidRequest, match="step_delay_s must be"):  # a typed error passes through as it is
        await h.create(SessionCreate(env="debug/echo", task_id="echo-3", options={"step_delay_s": -1}))
    assert h.open_count == 0 and h.known_count == 0
    await h.create(ECHO)  # the one slot is free
    await h.aclose()


async def test_a_reset_that_outlasts_the_step_timeout_frees_the_slot():
    h = host(max_sessions=1, step_timeout_s=0.1)
    with pytest.raises(StepTimeout, match="reset of slowreset/main/t1 took longer"):
        await h.create(SessionCreate(env="slowreset/main", task_id="t1"))
    assert h.open_count == 0 and h.known_count == 0
    await h.create(ECHO)
    await h.aclose()


async def test_a_session_ttl_is_capped_by_the_idle_timeout():
    h = host(idle_timeout_s=100)
    long, _ = await h.create(SessionCreate(env="debug/echo", task_id="echo-3", ttl_s=10_000))
    short, _ = await h.create(SessionCreate(env="debug/echo", task_id="echo-3", ttl_s=5))
    none, _ = await h.create(ECHO)
    assert (long.ttl_s, short.ttl_s, none.ttl_s) == (100, 5, None)
    await h.aclose()


async def test_hand_made_tasks_are_capped_and_marked_but_suite_tasks_are_not():
    h = host(max_task_memory_mb=512)
    big = Task(id="big", suite="main", prompt="x", payload={"memory_mb": 131072})
    with pytest.raises(InvalidRequest) as caught:  # the cap's typed error passes through as it is
        await h.create(SessionCreate(env="slowtest/main", task=big, options={"sandbox": True}))
    assert caught.value.details["cap"] == "max_task_memory_mb"
    small = big.model_copy(update={"payload": {"memory_mb": 256}})
    mine, _ = await h.create(SessionCreate(env="slowtest/main", task=small, options={"sandbox": True}))
    # The installed suite's task asks for 1024 MB, over the cap: the operator's tasks are not capped.
    theirs, _ = await h.create(SessionCreate(env="slowtest/main", task_id="t1", options={"sandbox": True}))
    assert (mine.hand_made, mine.task.id, theirs.hand_made, theirs.task.id) == (True, "big", False, "t1")
    assert h.open_count == 2
    await h.aclose()


async def test_a_hand_made_task_whose_reset_fails_is_the_callers_error_naming_where_to_check():
    h = host(max_sessions=1)
    mine = Task(id="mine", suite="main", prompt="x")
    with pytest.raises(InvalidRequest) as caught:
        await h.create(SessionCreate(env="brokenreset/main", task=mine))
    assert caught.value.message == (
        "reset of brokenreset/main/mine with the given options/task failed: RuntimeError: reset broke; "
        "check them against GET /v1/environments/brokenreset/main"
    )
    assert caught.value.details == {"options": {}}
    assert h.open_count == 0 and h.known_count == 0
    await h.aclose()


async def test_the_reset_time_is_measured_around_the_reset():
    import time

    h = host()
    before = time.perf_counter()
    session, _ = await h.create(SLOW)
    assert 0 < session.timings["reset_s"] <= time.perf_counter() - before
    await h.aclose()


async def test_of_two_creations_racing_for_one_id_the_first_to_finish_keeps_it():
    """The id is checked again after the reset: the later one is refused and its episode released."""
    metrics = Recorded()
    h = EpisodeHost(HostLimits(), TrackedContext(sandbox="process"), metrics)
    server_testenvs.EVENTS.clear()
    GatedReset.gate = asyncio.Event()
    late = asyncio.ensure_future(h.create(SessionCreate(env="gatedreset/main", task_id="t1"), "raced-id"))
    await until(lambda: "gated-reset" in server_testenvs.EVENTS)
    first, _ = await h.create(ECHO, "raced-id")
    GatedReset.gate.set()
    with pytest.raises(InvalidRequest) as caught:
        await late
    assert caught.value.message == "session 'raced-id' already exists"
    assert caught.value.details == {"session_id": "raced-id"}
    assert h.get("raced-id") is first and not first.closed
    assert h.open_count == 1 and server_testenvs.EVENTS.count("closed") == 1
    assert [e for e in metrics.events if e[0] == "closed"] == [("closed", "env_error")]
    await h.aclose()


# ---------------------------------------------------------------- steps


async def test_an_unknown_session_is_named_in_the_error():
    h = host(idle_timeout_s=42)
    with pytest.raises(UnknownSession) as caught:
        h.get("nope")
    assert caught.value.details == {"session_id": "nope"}
    assert "closed after 42 s idle" in caught.value.message
    with pytest.raises(UnknownSession):
        await h.step("nope", Action(content="x"))
    await h.aclose()


async def test_a_step_is_counted_and_timed_and_a_finished_episode_is_a_readable_tombstone():
    h = host()
    session, _ = await h.create(SLOW)
    assert "reset_s" in session.timings
    await h.step(session.id, Action(content="noop"))
    await h.step(session.id, Action(content="noop"))
    assert session.steps == 2 and not session.closed and not session.busy
    assert set(session.timings) == {"reset_s", "last_step_s", "steps_s"}
    assert session.timings["steps_s"] >= session.timings["last_step_s"] > 0
    result = await h.step(session.id, Action(content="done"))
    assert result.reward == 1.0 and session.closed and session.status.value == "completed"
    assert h.get(session.id) is session and h.open_count == 0 and h.known_count == 1
    state = session.state()
    assert (state.session_id, state.env, state.task_id, state.steps, state.closed, state.stepping) == (
        session.id,
        "slowtest/main",
        "t1",
        3,
        True,
        False,
    )
    with pytest.raises(SessionClosed) as caught:
        await h.step(session.id, Action(content="noop"))
    assert caught.value.details == {"session_id": session.id, "status": "completed"}
    assert caught.value.message == f"session {session.id!r} has ended (completed); create a new session"
    await h.aclose()


async def test_on_suspend_is_called_only_for_a_step_that_waits():
    h = host(step_timeout_s=0.5)
    called: list[str] = []
    session, _ = await h.create(SLOW)
    await h.step(session.id, Action(content="noop"), on_suspend=lambda: called.append("noop"))
    assert called == []
    with pytest.raises(StepTimeout):
        await h.step(session.id, Action(content="sleep"), on_suspend=lambda: called.append("sleep"))
    assert called == ["sleep"]
    await h.aclose()


async def test_a_step_timeout_ends_the_session_as_timeout_naming_the_limit():
    h = host(step_timeout_s=0.2)
    session, _ = await h.create(SLOW)
    with pytest.raises(StepTimeout) as caught:
        await h.step(session.id, Action(content="sleep"))
    assert caught.value.details == {"timeout_s": 0.2, "status": "timeout"}
    assert caught.value.message == (
        f"step 1 of session {session.id} took longer than the server's step timeout of 0.2 s and was cancelled; "
        "the session ended with status 'timeout' and its resources were released"
    )
    assert session.closed and session.status.value == "timeout" and not session.busy and session.current is None
    await h.aclose()


async def test_a_client_that_goes_away_mid_step_cancels_it_and_ends_the_session_as_agent_error():
    server_testenvs.EVENTS.clear()
    h = host()
    session, _ = await h.create(SLOW)
    assert h.cancel_step(session.id) is False  # nothing running
    assert h.cancel_step("unknown-session") is False

    async def serve() -> tuple[SessionClosed, int]:
        """A transport's task: it answers the error and goes on serving (a WebSocket handler)."""
        try:
            await h.step(session.id, Action(content="sleep"))
        except SessionClosed as exc:
            task = asyncio.current_task()
            assert task is not None
            await asyncio.sleep(0)  # still usable: not cancelled again
            return exc, task.cancelling()
        raise AssertionError("the step was not interrupted")

    step = asyncio.ensure_future(serve())
    await until(lambda: "sleep-start" in server_testenvs.EVENTS)
    assert session.busy
    assert h.cancel_step(session.id) is True
    assert h.cancel_step(session.id) is False  # already being cancelled
    error, cancelling = await step
    assert cancelling == 0  # the cancellation was the host's own, and it took it back
    assert "its client went away" in error.message
    assert error.details == {"session_id": session.id, "status": "agent_error"}
    assert session.status.value == "agent_error" and session.interrupted is None
    await h.aclose()


async def test_closing_a_session_mid_step_answers_the_step_with_session_closed():
    server_testenvs.EVENTS.clear()
    h = host()
    session, _ = await h.create(SLOW)
    step = asyncio.ensure_future(h.step(session.id, Action(content="sleep")))
    await until(lambda: "sleep-start" in server_testenvs.EVENTS)
    assert await h.close(session.id) is True
    with pytest.raises(SessionClosed, match="was closed while this step was running"):
        await step
    assert not step.cancelled()
    assert await h.close(session.id) is False  # idempotent: already forgotten
    assert h.open_count == 0 and h.known_count == 0
    await h.aclose()


async def test_run_limited_returns_the_result_or_cancels_the_work_and_names_it():
    h = host(step_timeout_s=0.1)
    assert await h.run_limited(asyncio.sleep(0, result=5), "quick") == 5
    cancelled = asyncio.Event()

    async def slow() -> None:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    with pytest.raises(StepTimeout) as caught:
        await h.run_limited(slow(), "the slow thing")
    assert caught.value.message.startswith("the slow thing took longer than the server's step timeout of 0.1 s")
    assert caught.value.details == {"timeout_s": 0.1}
    assert cancelled.is_set()
    await h.aclose()


# ---------------------------------------------------------------- tombstones and reaping


async def test_with_no_room_for_tombstones_a_finished_session_is_forgotten_at_once():
    h = host(max_finished_sessions=0)
    session, _ = await h.create(ECHO)
    await h.step(session.id, Action(content="delta"))
    with pytest.raises(UnknownSession):
        h.get(session.id)
    await h.aclose()


@pytest.mark.parametrize("forget", ["close", "reap"])
async def test_a_forgotten_tombstone_never_costs_a_later_session_with_its_id(forget):
    """A tombstone that is closed or reaped leaves the tombstone list too: else, once evicted, its id
    would take a new session of the same id out of the table."""
    h = host(max_finished_sessions=1, idle_timeout_s=100)
    first, _ = await h.create(ECHO, "session-a")
    await h.step("session-a", Action(content="delta"))  # finished: a tombstone
    if forget == "close":
        assert await h.close("session-a") is True
    else:
        first.last_active -= 101
        assert await h.reap_idle() == 1
    again, _ = await h.create(SLOW, "session-a")  # open, same id
    other, _ = await h.create(ECHO)
    await h.step(other.id, Action(content="delta"))  # a new tombstone: the list is full
    assert h.get("session-a") is again and not again.closed
    assert h.get(other.id) is other
    await h.aclose()


async def test_the_idle_reaper_closes_idle_sessions_only():
    h = host(idle_timeout_s=100)
    idle, _ = await h.create(SLOW)
    fresh, _ = await h.create(SLOW)
    idle.last_active -= 101
    fresh.last_active -= 99
    assert await h.reap_idle() == 1
    assert idle.closed and idle.status.value == "truncated" and not fresh.closed
    with pytest.raises(UnknownSession):
        h.get(idle.id)
    assert h.open_count == 1
    await h.aclose()


async def test_the_lifetime_ends_a_session_as_timeout_even_mid_step():
    server_testenvs.EVENTS.clear()
    h = host(max_session_lifetime_s=100)
    session, _ = await h.create(SLOW)
    step = asyncio.ensure_future(h.step(session.id, Action(content="sleep")))
    await until(lambda: "sleep-start" in server_testenvs.EVENTS)
    session.started -= 101
    assert await h.reap_idle() == 1
    with pytest.raises(SessionClosed):
        await step
    assert session.status.value == "timeout" and h.known_count == 0 and h.open_count == 0
    await h.aclose()


async def test_the_ttl_reaper_closes_sessions_idle_past_their_own_ttl_but_never_mid_step():
    server_testenvs.EVENTS.clear()
    h = host()
    expired, _ = await h.create(SessionCreate(env="slowtest/main", task_id="t1", ttl_s=10))
    young, _ = await h.create(SessionCreate(env="slowtest/main", task_id="t1", ttl_s=10))
    untimed, _ = await h.create(SLOW)
    busy, _ = await h.create(SessionCreate(env="slowtest/main", task_id="t1", ttl_s=10))
    step = asyncio.ensure_future(h.step(busy.id, Action(content="sleep")))
    await until(lambda: busy.busy)
    for s, idle_s in ((expired, 11), (young, 9), (untimed, 10_000), (busy, 11)):
        s.last_active -= idle_s
    assert await h.reap_ttl() == 1
    assert expired.closed and not young.closed and not untimed.closed and not busy.closed
    step.cancel()
    await asyncio.gather(step, return_exceptions=True)
    await h.aclose()


async def test_the_reapers_wait_follows_the_shortest_ttl_with_a_floor():
    h = host(idle_timeout_s=400)  # reaper interval: min(100, lifetime / 4, 30) = 30
    assert h._reap_delay() == 30.0
    await h.create(SessionCreate(env="debug/echo", task_id="echo-3", ttl_s=40))
    assert h._reap_delay() == 10.0
    await h.create(SessionCreate(env="debug/echo", task_id="echo-3", ttl_s=0.01))
    assert h._reap_delay() == 0.05
    await h.aclose()


async def test_the_reaper_reaps_on_its_interval_and_starts_once():
    h = host(idle_timeout_s=100, reap_interval_s=0.05)
    idle, _ = await h.create(SLOW)
    idle.last_active -= 101
    h.start_reaper()
    reaper = h._reaper
    h.start_reaper()
    assert reaper is not None and h._reaper is reaper
    await until(lambda: idle.closed)
    assert h.known_count == 0
    await h.aclose()
    assert reaper.done() and h._reaper is None


async def test_a_session_with_a_ttl_wakes_the_reaper_to_shorten_its_wait():
    h = host(idle_timeout_s=10_000, reap_interval_s=10_000)
    h.start_reaper()
    session, _ = await h.create(SessionCreate(env="slowtest/main", task_id="t1", ttl_s=0.2))
    session.last_active -= 1
    await until(lambda: session.closed)  # long before the reaper's interval
    assert not h._ttl_added.is_set()  # the wake-up was used up: the reaper waits again
    await h.aclose()


async def test_the_reaper_logs_a_failure_and_keeps_reaping(caplog, monkeypatch):
    h = host(idle_timeout_s=100, reap_interval_s=0.05)
    real = h.reap_idle
    calls: list[int] = []

    async def fails_once() -> int:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("reaping broke")
        return await real()

    monkeypatch.setattr(h, "reap_idle", fails_once)
    idle, _ = await h.create(SLOW)
    idle.last_active -= 101
    h.start_reaper()
    await until(lambda: idle.closed)
    assert ("ERROR", "idle reaper failed") in messages(caplog)
    await h.aclose()


async def test_shutdown_closes_every_session_and_refuses_new_ones():
    server_testenvs.EVENTS.clear()
    h = host()
    h.start_reaper()
    a, _ = await h.create(SLOW)
    b, _ = await h.create(SLOW)
    step = asyncio.ensure_future(h.step(b.id, Action(content="sleep")))
    await until(lambda: b.busy)
    await h.aclose()
    assert a.closed and b.closed and h.open_count == 0 and h.known_count == 0
    assert server_testenvs.EVENTS.count("closed") == 2
    with pytest.raises(SessionClosed):
        await step


# ---------------------------------------------------------------- what the operator's log says


def messages(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str]]:
    return [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "envgym.host"]


async def test_reaping_is_logged_with_the_session_and_the_limit(caplog):
    caplog.set_level("INFO", logger="envgym.host")
    h = host(idle_timeout_s=100, max_session_lifetime_s=1000)
    idle, _ = await h.create(SessionCreate(env="debug/echo", task_id="echo-3"), "idle-session")
    old, _ = await h.create(SessionCreate(env="debug/echo", task_id="echo-3"), "old-session")
    ttl, _ = await h.create(SessionCreate(env="debug/echo", task_id="echo-3", ttl_s=10), "ttl-session")
    idle.last_active -= 101
    old.started -= 1001
    assert await h.reap_idle() == 2
    ttl.last_active -= 11
    assert await h.reap_ttl() == 1
    assert messages(caplog) == [
        ("INFO", "reaping session idle-session (debug/echo), idle for more than 100 s"),
        ("INFO", "ending session old-session (debug/echo): older than the server's session lifetime of 1000 s"),
        ("INFO", "reaping session ttl-session (debug/echo), idle for more than its ttl of 10 s"),
    ]
    await h.aclose()


async def test_a_client_gone_mid_step_is_logged(caplog):
    caplog.set_level("INFO", logger="envgym.host")
    server_testenvs.EVENTS.clear()
    h = host()
    session, _ = await h.create(SLOW, "gone-session")
    await h.step(session.id, Action(content="noop"))
    step = asyncio.ensure_future(h.step(session.id, Action(content="sleep")))
    await until(lambda: "sleep-start" in server_testenvs.EVENTS)
    h.cancel_step(session.id)
    with pytest.raises(SessionClosed):
        await step
    assert (
        "INFO",
        "the client of session gone-session went away during step 2; the step was cancelled and the session ended",
    ) in messages(caplog)
    await h.aclose()


class BrokenClose(server_testenvs.SlowEnvironment):
    async def on_close(self) -> None:
        raise RuntimeError("close broke")


registry.register("environments", "brokenclose", BrokenClose, replace=True)


async def test_an_environment_whose_close_fails_still_has_its_session_ended_and_logged(caplog):
    h = host()
    session, _ = await h.create(SessionCreate(env="brokenclose/main", task_id="t1"), "broken-close")
    assert await h.close(session.id) is True
    assert h.open_count == 0 and session.status.value == "truncated"
    assert ("ERROR", "closing session broken-close (brokenclose/main) failed: RuntimeError: close broke") in messages(
        caplog
    )
    await h.aclose()


async def test_work_that_ignores_its_cancellation_is_abandoned_and_logged(caplog, monkeypatch):
    from envgym.host import sessions

    monkeypatch.setattr(sessions, "CANCEL_GRACE_S", 0.05)
    h = host(step_timeout_s=0.05)
    release = asyncio.Event()

    async def stubborn() -> None:
        while not release.is_set():
            try:
                await release.wait()
            except asyncio.CancelledError:
                continue

    try:
        with pytest.raises(StepTimeout):
            await h.run_limited(stubborn(), "the stubborn thing")
        assert ("ERROR", "the stubborn thing ignored cancellation for 0 s; abandoning it") in messages(caplog)
    finally:
        release.set()  # else a failed assertion leaves the loop's teardown waiting on it for ever
    await h.aclose()


# ---------------------------------------------------------------- what the host reports


class Recorded(HostMetrics):
    def __init__(self) -> None:
        self.events: list[tuple[Any, ...]] = []

    def session_created(self, env_id: str, reset_s: float) -> None:
        self.events.append(("created", env_id, reset_s > 0))

    def step_done(self, transport: str, seconds: float) -> None:
        self.events.append(("step", transport, seconds > 0))

    def session_closed(self, status: str) -> None:
        self.events.append(("closed", status))

    def session_reaped(self) -> None:
        self.events.append(("reaped",))


async def test_the_host_reports_each_creation_step_close_and_reaping():
    metrics = Recorded()
    h = EpisodeHost(HostLimits(idle_timeout_s=100), TrackedContext(sandbox="process"), metrics)
    done, _ = await h.create(ECHO)
    await h.step(done.id, Action(content="delta"), transport="ws")
    idle, _ = await h.create(SLOW)
    idle.last_active -= 101
    await h.reap_idle()
    assert metrics.events == [
        ("created", "debug/echo", True),
        ("step", "ws", True),
        ("closed", "completed"),
        ("created", "slowtest/main", True),
        ("reaped",),
        ("closed", "truncated"),
    ]
    await h.aclose()


class FailingMetrics(HostMetrics):
    def session_closed(self, status: str) -> None:
        raise RuntimeError("the metrics backend broke")


async def test_shutdown_closes_the_providers_even_when_a_sessions_release_failed(monkeypatch):
    h = EpisodeHost(HostLimits(), TrackedContext(sandbox="process"), FailingMetrics())
    session, _ = await h.create(SLOW)
    providers_closed: list[bool] = []
    real = h.context.aclose

    async def recorded() -> None:
        providers_closed.append(True)
        await real()

    monkeypatch.setattr(h.context, "aclose", recorded)
    await h.aclose()  # the release task's RuntimeError does not stop the shutdown
    assert session.closed and providers_closed == [True]


async def test_a_session_the_environment_ended_keeps_its_status_when_released():
    """A session closed after its environment finished reports the environment's status, not truncated."""
    metrics = Recorded()
    h = EpisodeHost(HostLimits(), TrackedContext(sandbox="process"), metrics)
    session, _ = await h.create(SLOW)
    await h.step(session.id, Action(content="done"))
    assert session.status.value == "completed"
    await h.close(session.id)
    assert session.status.value == "completed" and metrics.events[-1] == ("closed", "completed")
    await h.aclose()


async def test_a_session_closed_after_its_environment_finished_mid_step_keeps_the_environments_status():
    """The episode ended (graded) inside a step that was then cancelled: closing reports completed, not truncated."""
    server_testenvs.EVENTS.clear()
    metrics = Recorded()
    h = EpisodeHost(HostLimits(), TrackedContext(sandbox="process"), metrics)
    session, _ = await h.create(SessionCreate(env="finishesthenwaits/main", task_id="t1"))
    step = asyncio.ensure_future(h.step(session.id, Action(content="anything")))
    await until(lambda: "finished-waiting" in server_testenvs.EVENTS)
    assert session.status.value == "running"  # the host has not seen the end yet
    assert await h.close(session.id) is True
    with pytest.raises(SessionClosed):
        await step
    assert session.status.value == "completed" and metrics.events[-1] == ("closed", "completed")
    await h.aclose()


async def test_the_loaded_families_are_remembered_for_readiness():
    h = host()
    await h.create(ECHO)
    await h.create(SLOW)
    assert h.loaded_families == {
        "debug": type(h.get(next(iter(h._sessions))).env),
        "slowtest": server_testenvs.SlowEnvironment,
    }
    await h.aclose()


async def test_a_step_without_a_transport_is_reported_as_rest():
    metrics = Recorded()
    h = EpisodeHost(HostLimits(), TrackedContext(sandbox="process"), metrics)
    session, _ = await h.create(ECHO)
    await h.step(session.id, Action(content="delta"))
    assert ("step", "rest", True) in metrics.events
    await h.aclose()


async def test_a_sessions_state_shows_a_running_step_and_its_timings():
    server_testenvs.EVENTS.clear()
    h = host()
    session, _ = await h.create(SLOW)
    step = asyncio.ensure_future(h.step(session.id, Action(content="sleep")))
    await until(lambda: session.busy)
    state = session.state()
    assert state.stepping is True and state.timings == {"reset_s": session.timings["reset_s"]}
    assert state.timings is not session.timings  # a copy: later steps do not change what was answered
    h.cancel_step(session.id)
    await asyncio.gather(step, return_exceptions=True)
    await h.aclose()


class FrozenClock:
    """The host's clock (``time`` as sessions.py uses it) stopped at ``now`` for monotonic time."""

    def __init__(self, now: float) -> None:
        import time

        self.now = now
        self.time = time.time
        self.perf_counter = time.perf_counter

    def monotonic(self) -> float:
        return self.now


async def test_the_limits_are_older_than_not_as_old_as(monkeypatch):
    """Exactly at a limit a session is kept; just past it, it goes (lifetime, idle timeout, ttl)."""
    from envgym.host import sessions

    h = host(idle_timeout_s=100, max_session_lifetime_s=1000)
    at_lifetime, _ = await h.create(ECHO)
    at_idle, _ = await h.create(ECHO)
    at_ttl, _ = await h.create(SessionCreate(env="debug/echo", task_id="echo-3", ttl_s=10))
    monkeypatch.setattr(sessions, "time", FrozenClock(5000.0))
    for s in (at_lifetime, at_idle, at_ttl):
        s.started, s.last_active = 5000.0, 5000.0
    at_lifetime.started = 5000.0 - 1000
    at_idle.last_active = 5000.0 - 100
    at_ttl.last_active = 5000.0 - 10
    assert await h.reap_idle() == 0 and await h.reap_ttl() == 0
    at_lifetime.started -= 0.5
    at_idle.last_active -= 0.5
    at_ttl.last_active -= 0.5
    assert await h.reap_idle() == 2 and await h.reap_ttl() == 1
    assert h.known_count == 0
    monkeypatch.undo()
    await h.aclose()


async def test_a_session_whose_environment_finished_is_ended_even_if_the_step_result_does_not_say_so():
    h = host()
    session, _ = await h.create(SessionCreate(env="quietfinish/main", task_id="t1"))
    result = await h.step(session.id, Action(content="anything"))
    assert not result.terminated and not result.truncated
    assert session.closed and session.status.value == "completed" and h.open_count == 0
    await h.aclose()


async def test_step_timings_are_each_steps_duration_and_their_sum():
    import time

    h = host()
    session, _ = await h.create(SLOW)
    before = time.perf_counter()
    await h.step(session.id, Action(content="noop"))
    first = session.timings["last_step_s"]
    assert 0 < first <= time.perf_counter() - before  # measured inside the call
    assert session.timings["steps_s"] == first
    await h.step(session.id, Action(content="noop"))
    assert session.timings["steps_s"] == first + session.timings["last_step_s"]
    await h.aclose()


async def test_an_environment_whose_close_hangs_still_has_its_sandboxes_closed(caplog):
    h = host(close_timeout_s=0.1)
    created = SessionCreate(env="hangingclose/main", task_id="t1", options={"sandbox": True})
    session, _ = await h.create(created, "hanging-close")
    box = session.env.box  # type: ignore[attr-defined]
    assert await h.close(session.id) is True
    assert box.closed and h.open_count == 0
    assert any(
        m.startswith("closing session hanging-close (hangingclose/main) failed: TimeoutError")
        for _, m in messages(caplog)
    )
    await h.aclose()


async def test_sandboxes_an_environment_left_open_are_closed_and_logged(caplog):
    h = host()
    created = SessionCreate(env="leavessandbox/main", task_id="t1", options={"sandbox": True})
    session, _ = await h.create(created, "leaves-sandbox")
    box = session.env.box  # type: ignore[attr-defined]
    await h.close(session.id)
    assert box.closed
    assert ("WARNING", "session leaves-sandbox left 1 sandbox(es) open; closed them") in messages(caplog)
    await h.aclose()


async def test_closing_the_sandboxes_a_session_left_is_bounded_by_the_close_timeout(monkeypatch):
    """A sandbox whose close hangs must not hold the release (and the slot) for longer than close_timeout_s."""
    timeouts: list[float] = []
    real = TrackedContext.close_sandboxes

    async def recorded(self: TrackedContext, timeout: float = 30.0) -> int:
        timeouts.append(timeout)
        return await real(self, timeout)

    monkeypatch.setattr(TrackedContext, "close_sandboxes", recorded)
    h = host(close_timeout_s=0.25)
    created = SessionCreate(env="leavessandbox/main", task_id="t1", options={"sandbox": True})
    session, _ = await h.create(created)
    await h.close(session.id)
    assert timeouts == [0.25]
    monkeypatch.undo()
    await h.aclose()


async def test_a_session_is_released_once_however_often_it_is_ended():
    metrics = Recorded()
    h = EpisodeHost(HostLimits(), TrackedContext(sandbox="process"), metrics)
    server_testenvs.EVENTS.clear()
    session, _ = await h.create(SLOW)
    await h.step(session.id, Action(content="done"))  # ended by the episode
    await h.close(session.id)  # and again by the client
    assert h.open_count == 0
    assert [e for e in metrics.events if e[0] == "closed"] == [("closed", "completed")]
    assert server_testenvs.EVENTS.count("closed") == 1
    assert not h._closing  # finished release tasks are not kept
    await h.aclose()


async def test_a_failed_reset_ends_the_session_as_env_error_and_a_slow_one_as_timeout():
    metrics = Recorded()
    h = EpisodeHost(HostLimits(step_timeout_s=0.1), TrackedContext(sandbox="process"), metrics)
    with pytest.raises(EnvironmentFailed):
        await h.create(SessionCreate(env="brokenreset/main", task_id="t1"))
    with pytest.raises(StepTimeout):
        await h.create(SessionCreate(env="slowreset/main", task_id="t1"))
    assert [e for e in metrics.events if e[0] == "closed"] == [("closed", "env_error"), ("closed", "timeout")]
    await h.aclose()


async def test_refusals_say_what_to_do():
    h = host(max_sessions=1)
    with pytest.raises(InvalidRequest) as bad_id:
        await h.create(ECHO, "bad id")
    assert bad_id.value.message == "a session id is 8 to 128 characters from A-Z a-z 0-9 _ -"
    await h.create(ECHO, "taken-id")
    with pytest.raises(InvalidRequest) as taken:
        await h.create(ECHO, "taken-id")
    assert taken.value.message == "session 'taken-id' already exists"
    with pytest.raises(CapacityExhausted) as full:
        await h.create(ECHO)
    assert full.value.message == (
        "all 1 session slots are in use; retry later, close finished sessions, "
        "or start the server with a higher --max-sessions"
    )
    await h.aclose()
    with pytest.raises(CapacityExhausted) as closing:
        await h.create(ECHO)
    assert closing.value.message == "the server is shutting down"


@pytest.mark.parametrize("loaded", [True, False])
async def test_a_task_of_a_loaded_suite_is_read_on_the_loop_and_a_first_load_in_a_thread(loaded):
    readers: list[int] = []

    class Family:
        @staticmethod
        def tasks_loaded(suite: str) -> bool:
            return loaded and suite == "main"

    def get_task(task_id: str) -> str:
        readers.append(threading.get_ident())
        return f"task {task_id}"

    ref = SimpleNamespace(cls=Family, suite="main", get_task=get_task)
    assert await load_task(ref, "t1") == "task t1"  # type: ignore[arg-type]
    assert (readers == [threading.get_ident()]) is loaded
