"""``envgym regrade DIR``: re-grade saved episodes with the current graders, without the model.

How: each episode's recorded actions are *replayed* in a fresh environment (same task, same seed),
and the environment grades the final state with today's grader — so families whose grade needs the
final sandbox state (files written by tool calls, a terminal's state) are regraded on a state
rebuilt exactly as the model left it, not on a guess. The replay is checked against the record:
every observation before the final one must match the recorded transcript. When it does not (the
environment is not deterministic for those actions: clocks, network, randomness not covered by
the seed), the episode is **not** regraded: its record keeps the old grade and is marked
``extra.regrade.ok = false`` with the reason and the first differing message. Nothing is faked.

Also never regraded (marked, kept as they were): episodes that ended ``agent_error``, ``env_error``
or ``timeout`` (the environment never reached a grade), episodes the agent cut short before the
environment graded them (e.g. ``max_turns``), and episodes whose family or task is not installed
here. ``grader_error`` episodes are regraded — that is the usual reason to regrade.

The result is a new run directory (default ``DIR/regraded``) with the same layout, so
``envgym report`` and ``envgym compare DIR DIR/regraded`` work on it.

Example:
    >>> # result = asyncio.run(regrade_run("runs/rubric-qwen", settings={"judge_base_url": "http://127.0.0.1:8001/v1"}))
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from envgym.agents.base import Agent, AgentEpisode
from envgym.agents.loop import EpisodeRecord, run_episode
from envgym.eval.records import RUN_FILE, SUMMARY_FILE, RecordStore, load_run, write_json
from envgym.eval.stats import summarize
from envgym.kernel.context import EnvContext
from envgym.kernel.environment import Environment
from envgym.kernel.families import resolve
from envgym.protocol import Action, EpisodeStatus, Message, Observation, Task, Tool
from envgym.protocol.errors import EnvgymError

REGRADABLE = {EpisodeStatus.completed, EpisodeStatus.truncated, EpisodeStatus.grader_error}


class ReplayExhausted(EnvgymError):
    code = "replay_exhausted"


class _ReplayEpisode(AgentEpisode):
    def __init__(self, actions: list[Action]) -> None:
        super().__init__()
        self._actions = list(actions)

    async def act(self, observation: Observation) -> Action:
        if not self._actions:
            raise ReplayExhausted("every recorded action was replayed and the environment has not ended the episode")
        return self._actions.pop(0)


class ReplayAgent(Agent):
    """Plays one recorded episode's actions, in order."""

    name = "replay"

    def __init__(self, actions: list[Action]) -> None:
        super().__init__()
        self.actions = actions

    def start_episode(self, task: Task, env_cls: type[Environment], tools: list[Tool]) -> AgentEpisode:
        return _ReplayEpisode(self.actions)


def _comparable(message: Message) -> tuple[Any, ...]:
    calls = tuple((c.function.name, c.function.arguments) for c in message.tool_calls or [])
    return (message.role, message.text(), message.tool_call_id or None, calls)


def _last_action_index(messages: list[Message]) -> int:
    return max((i for i, m in enumerate(messages) if m.role == "assistant"), default=-1)


def first_divergence(recorded: list[Message], replayed: list[Message]) -> int | None:
    """Index of the first differing message before the final observation, or None if they agree."""
    end_rec, end_rep = _last_action_index(recorded) + 1, _last_action_index(replayed) + 1
    if end_rec != end_rep:
        return min(end_rec, end_rep)
    return next((i for i in range(end_rec) if _comparable(recorded[i]) != _comparable(replayed[i])), None)


def _mark(record: EpisodeRecord, ok: bool, reason: str, **extra: Any) -> EpisodeRecord:
    out = record.model_copy(deep=True)
    out.extra["regrade"] = {"ok": ok, "method": "replay", "reason": reason, "at": time.time(), **extra}
    return out


async def regrade_record(record: EpisodeRecord, context: EnvContext) -> EpisodeRecord:
    """The regraded record (or the original, marked with why it was not regraded)."""
    if record.status not in REGRADABLE:
        return _mark(
            record, False, f"status {record.status.value}: the environment never reached a grade, nothing to regrade"
        )
    if record.error and record.grade is None and record.status is EpisodeStatus.truncated:
        return _mark(record, False, f"ended by the agent ({record.error.get('code')}) before the environment graded it")
    try:
        ref = resolve(record.env)
        task = ref.get_task(record.task_id)
    except EnvgymError as exc:
        return _mark(record, False, f"cannot load {record.env}/{record.task_id} here: {exc.message}")
    replay = await run_episode(
        ref.cls(ref.suite, context=context),
        ReplayAgent(record.actions),
        task,
        ref.cls,
        seed=record.seed,
        env_id=record.env,
    )
    if replay.error and replay.error.get("code") == "replay_exhausted":
        return _mark(record, False, "replay diverged: the recorded actions no longer end the episode")
    if replay.status in (EpisodeStatus.env_error, EpisodeStatus.timeout, EpisodeStatus.agent_error):
        return _mark(record, False, f"replay failed with {replay.status.value}: {(replay.error or {}).get('message')}")
    diverged = first_divergence(record.messages, replay.messages)
    if diverged is not None:
        rec_msg = record.messages[diverged].text()[:300] if diverged < len(record.messages) else None
        rep_msg = replay.messages[diverged].text()[:300] if diverged < len(replay.messages) else None
        return _mark(
            record,
            False,
            f"replay diverged at message {diverged}: the environment is not deterministic for "
            "these actions, so the final state could not be rebuilt",
            recorded=rec_msg,
            replayed=rep_msg,
        )
    previous = {
        "status": record.status.value,
        "reward": record.reward,
        "passed": record.passed,
        "grade": record.grade.model_dump() if record.grade else None,
    }
    out = record.model_copy(deep=True)
    out.status, out.grade, out.reward, out.rewards = replay.status, replay.grade, replay.reward, replay.rewards
    out.messages = replay.messages
    out.error = replay.error if replay.status.is_error else None
    changed = (out.status.value, out.reward, out.passed) != (previous["status"], previous["reward"], previous["passed"])
    out.extra["regrade"] = {"ok": True, "method": "replay", "at": time.time(), "changed": changed, "previous": previous}
    return out


@dataclass
class RegradeResult:
    out: Path
    summary: dict[str, Any]
    counts: dict[str, int]
    records: list[EpisodeRecord]


async def regrade_run(
    run_dir: str | Path,
    out: str | Path | None = None,
    *,
    sandbox: str | None = None,
    settings: dict[str, Any] | None = None,
    concurrency: int = 4,
    on_record: Callable[[EpisodeRecord], None] | None = None,
) -> RegradeResult:
    """Regrade every current record of ``run_dir`` into ``out`` (default ``run_dir/regraded``)."""
    run_dir = Path(run_dir)
    out = Path(out) if out else run_dir / "regraded"
    manifest, records = load_run(run_dir)
    (out / "episodes.jsonl").unlink(missing_ok=True)  # a regrade is a fresh snapshot of the source run
    context = EnvContext(
        sandbox=sandbox or manifest.get("sandbox") or "bwrap",
        settings={**(manifest.get("settings") or {}), **(settings or {})},
    )
    gate = asyncio.Semaphore(concurrency)
    store = RecordStore(out).open()

    async def one(record: EpisodeRecord) -> EpisodeRecord:
        async with gate:
            new = await regrade_record(record, context)
        store.append(new)
        if on_record:
            on_record(new)
        return new

    try:
        regraded = list(await asyncio.gather(*(one(r) for r in records)))
    finally:
        store.close()
        await context.aclose()
    counts: Counter[str] = Counter({"regraded": 0, "not_regraded": 0, "changed": 0})
    for r in regraded:
        info = r.extra.get("regrade", {})
        counts["regraded" if info.get("ok") else "not_regraded"] += 1
        counts["changed"] += bool(info.get("changed"))
    write_json(out / RUN_FILE, {**manifest, "regraded_from": str(run_dir), "regraded_at": time.time()})
    summary = summarize(regraded, manifest=manifest)
    summary["regrade"] = dict(counts)
    summary["not_regraded_reasons"] = dict(
        Counter(r.extra["regrade"]["reason"].split(":")[0] for r in regraded if not r.extra["regrade"]["ok"])
    )
    write_json(out / SUMMARY_FILE, summary)
    return RegradeResult(out=out, summary=summary, counts=dict(counts), records=regraded)


__all__ = ["regrade_run", "regrade_record", "first_divergence", "ReplayAgent"]
