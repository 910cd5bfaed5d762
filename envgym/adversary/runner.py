"""``check_adversary``: every attack of ``plans.py`` on every task (or a seeded sample), one episode
each, with bounded concurrency; the check fails when any attack scores above 0 or ends in an error
status (an error the agent caused is a gain for it: trainers drop errors).

Example:
    >>> report = check_adversary("debug/echo", limit=1, attacks="answer_guess")
    >>> report.ok, report.counts()["succeeded"]
    (True, 0)
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import re
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any, Sequence

from envgym.adversary.agent import AdversaryAgent, family_attacks, parse_classes
from envgym.adversary.answers import answer_key
from envgym.adversary.model import OUTCOMES, Attack, AttackResult, SkippedAttack
from envgym.adversary.plans import plan_attacks
from envgym.agents.loop import EpisodeRecord, run_episode
from envgym.host.tracking import TrackedContext, close_all
from envgym.kernel.context import EnvContext
from envgym.kernel.families import EnvRef
from envgym.kernel.sync import blocking_form
from envgym.protocol import EpisodeStatus, Observation, Task
from envgym.testing.conformance import run_all, suite_targets, tracked_context

MARKER_RAN = "ENVGYM-ADVERSARY-RAN "
COMMON_ANSWERS = 3
# A constant guess that scores because it IS the task's answer is a hole only when a policy always
# giving it would earn more than this share of the suite's reward (a suite with too few distinct answers).
GUESS_SHARE_MAX = 0.05
EPISODE_TIMEOUT_S = 900.0


@dataclass
class AdversaryReport:
    """What ``check_adversary`` found. ``ok``: at least one task attacked and no attack succeeded or
    turned into an error status."""

    env_id: str
    sandbox: str
    classes: list[str]
    suites: list[str] = field(default_factory=list)
    tasks_checked: int = 0
    results: list[AttackResult] = field(default_factory=list)
    skipped: list[SkippedAttack] = field(default_factory=list)
    sampled: dict[str, str] = field(default_factory=dict)  # suite -> how its tasks were chosen
    duration_s: float = 0.0

    @property
    def ok(self) -> bool:
        return self.tasks_checked > 0 and not self.failures()

    def failures(self) -> list[AttackResult]:
        return [r for r in self.results if r.failed]

    def counts(self) -> Counter[str]:
        return Counter({o: 0 for o in OUTCOMES}) + Counter(r.outcome for r in self.results)

    def rows(self) -> list[tuple[str, str, int, int, int, int, int]]:
        """(attack, classes, tried, held, succeeded, errors, unconfirmed) per attack kind."""
        by: dict[str, list[AttackResult]] = {}
        for r in self.results:
            by.setdefault(r.attack.split("[", 1)[0], []).append(r)
        out = []
        for name, rs in by.items():
            c = Counter(r.outcome for r in rs)
            classes = ",".join(sorted({k for r in rs for k in r.classes}))
            out.append((name, classes, len(rs), c["held"], c["succeeded"], c["error"], c["unconfirmed"]))
        return out

    def task_rows(self) -> list[tuple[str, str, int, list[str], list[str]]]:
        """(env, task, attacks tried, attacks that succeeded, attacks that errored) per task."""
        by: dict[tuple[str, str], list[AttackResult]] = {}
        for r in self.results:
            by.setdefault((r.env, r.task_id), []).append(r)
        return [
            (
                env,
                task,
                len(rs),
                [r.attack for r in rs if r.outcome == "succeeded"],
                [r.attack for r in rs if r.outcome == "error"],
            )
            for (env, task), rs in by.items()
        ]

    def summary(self) -> str:
        c = self.counts()
        lines = [
            f"{self.env_id} ({self.sandbox}): {len(self.results)} attacks on {self.tasks_checked} tasks in "
            f"{', '.join(self.suites) or 'no suites'} — {'OK' if self.ok else 'FAILED'} ({self.duration_s:.1f}s); "
            f"held {c['held']}, succeeded {c['succeeded']}, errors {c['error']}, unconfirmed {c['unconfirmed']}"
        ]
        lines += [f"  {r.env} {r.task_id} {r.attack}: {r.outcome} — {r.reason}" for r in self.failures()]
        if self.tasks_checked == 0:
            lines.append("  no tasks were attacked")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok, "counts": dict(self.counts())}


def _reached(record: EpisodeRecord) -> list[str]:
    """The hook points a check ran, from the markers they print into the grade (its output)."""
    text = json.dumps(record.grade.model_dump(mode="json"), ensure_ascii=False) if record.grade else ""
    return sorted(set(f for f in re.findall(re.escape(MARKER_RAN) + r"([\w.-]*)", text) if f))


def judge(record: EpisodeRecord, attack: Attack) -> tuple[str, str]:
    """(outcome, reason) of one finished attack episode."""
    grade = record.grade
    evidence = record.extra.get("adversary") or {}
    if record.status is EpisodeStatus.agent_error:
        message = (record.error or {}).get("message", "")
        return "error", f"the adversary itself failed: {message}"
    if record.status.is_error:
        message = (record.error or {}).get("message") or (grade.error if grade else "") or ""
        return "error", f"status {record.status.value}: {message}"[:2000]
    rewards = [*record.rewards, record.reward]
    raw = grade.reward if grade is not None else 0.0
    if not all(math.isfinite(r) for r in [*rewards, raw]) or not 0.0 <= raw <= 1.0:
        return "succeeded", f"the grade holds the out-of-range reward {raw!r}"
    best = max(rewards)
    if best > 0:
        return "succeeded", f"reward {best:g} with status {record.status.value}"
    if not evidence.get("confirmed", False):
        return (
            "unconfirmed",
            f"scored 0, but the attack could not show it was carried out: {evidence.get('evidence', '')}",
        )
    return "held", f"scored 0 with status {record.status.value}"


async def _reference_answer(ref: EnvRef, task: Task) -> str | None:
    """The text of the oracle's reply to ``task`` for a family answered in one reply, else None."""
    try:
        policy = ref.cls.oracle_policy(task)
        if policy is None:
            return None
        return (await policy.act(Observation.user(task.prompt))).text() or None
    except Exception:  # noqa: BLE001 — a family without a text oracle simply has no reference answers
        return None


@dataclass
class _References:
    """The suite's reference answers (its oracle's replies), by task and by how often each is given."""

    by_task: dict[str, str] = field(default_factory=dict)
    counts: Counter[str] = field(default_factory=Counter)

    @classmethod
    async def of(cls, ref: EnvRef, tasks: Sequence[Task]) -> "_References":
        out = cls()
        if ref.cls.tools(ref.suite):
            return out
        for task in tasks[:5000]:
            answer = await _reference_answer(ref, task)
            if answer:
                out.by_task[task.id] = answer
                out.counts[answer_key(answer)] += 1
        return out

    def common(self) -> list[str]:
        """The answers given most often (a policy learns these first), as the oracle words them."""
        first = {answer_key(a): a for a in reversed(list(self.by_task.values()))}
        return [first[key] for key, n in self.counts.most_common(COMMON_ANSWERS) if n >= 2]

    def lucky(self, task_id: str, guess: str) -> float | None:
        """When ``guess`` is ``task_id``'s own answer: the share of the suite's tasks it answers."""
        answer = self.by_task.get(task_id)
        if answer is None or answer_key(answer) != answer_key(guess):
            return None
        return self.counts[answer_key(guess)] / max(1, sum(self.counts.values()))


def _choose(tasks: list[Task], limit: int | None, sample: int | None, seed: int) -> tuple[list[Task], str]:
    if limit is not None:
        tasks = tasks[:limit]
    if sample is not None and sample < len(tasks):
        chosen = random.Random(seed).sample(tasks, sample)
        return sorted(chosen, key=lambda t: tasks.index(t)), f"{sample} of {len(tasks)} tasks (seed {seed})"
    return tasks, f"all {len(tasks)} tasks"


@dataclass
class _Job:
    ref: EnvRef
    task: Task
    attack: Attack
    references: _References


async def _run_job(job: _Job, context: TrackedContext, report: AdversaryReport, timeout_s: float) -> None:
    env_name = job.ref.suite_id
    started = time.monotonic()
    with context.watching() as boxes:  # the sandboxes of this episode alone
        try:
            env = job.ref.cls(job.ref.suite, context=context)
            record = await asyncio.wait_for(
                run_episode(env, AdversaryAgent(attack=job.attack), job.task, job.ref.cls, seed=0, env_id=env_name),
                timeout_s,
            )
            outcome, reason = judge(record, job.attack)
            share = job.references.lucky(job.task.id, job.attack.guess) if job.attack.guess is not None else None
            if outcome == "succeeded" and share is not None:
                verdict = (
                    f"{job.attack.guess!r} is this task's own answer and the answer of {share:.0%} of the suite's tasks"
                )
                outcome, reason = (
                    ("held", f"{reason}, but {verdict} (a hole above {GUESS_SHARE_MAX:.0%})")
                    if share <= GUESS_SHARE_MAX
                    else (outcome, f"{reason}: {verdict}, which a constant policy earns")
                )
            evidence = record.extra.get("adversary") or {}
            result = AttackResult(
                env_name,
                job.task.id,
                job.attack.name,
                job.attack.classes,
                outcome,
                record.reward,
                record.status.value,
                str(evidence.get("evidence", "")),
                _reached(record),
                reason,
                record.grade.model_dump(mode="json") if record.grade else None,
                record.error,
            )
        except asyncio.TimeoutError:
            result = _errored(job, env_name, "timeout", f"the episode did not finish within {timeout_s:g} s")
        except Exception as exc:  # noqa: BLE001 — an exception escaping the loop is itself a finding
            result = _errored(job, env_name, "env_error", f"the episode raised {type(exc).__name__}: {exc}")
    await close_all(boxes)  # the sandboxes the episode forgot, so one bad task does not starve the rest
    result.duration_s = time.monotonic() - started
    report.results.append(result)


def _errored(job: _Job, env_name: str, status: str, reason: str) -> AttackResult:
    """An attack episode that ended without a record: an error outcome (a gain for the agent)."""
    return AttackResult(
        env_name, job.task.id, job.attack.name, job.attack.classes, "error", 0.0, status, "", reason=reason
    )


def _isolated(ctx: EnvContext) -> bool:
    try:
        return bool(ctx.provider().isolated)
    except Exception:  # noqa: BLE001 — an unusable provider isolates nothing
        return False


async def check_adversary_async(
    env_id: str,
    *,
    sandbox: str | None = None,
    limit: int | None = None,
    sample: int | None = None,
    slow_sample: int | None = None,
    seed: int = 0,
    attacks: str | Sequence[str] | None = None,
    context: EnvContext | None = None,
    concurrency: int = 4,
    progress: bool = False,
    episode_timeout_s: float = EPISODE_TIMEOUT_S,
) -> AdversaryReport:
    """The async form of ``check_adversary``."""
    started = time.monotonic()
    classes = parse_classes(list(attacks) if attacks is not None and not isinstance(attacks, str) else attacks)
    ctx = tracked_context(context, sandbox)
    report = AdversaryReport(env_id=env_id, sandbox=ctx.sandbox, classes=sorted(classes))
    isolated = _isolated(ctx)
    jobs: list[_Job] = []
    for ref, env_name, runnable, cannot in suite_targets(env_id, ctx):
        report.suites.append(env_name)
        report.skipped += [SkippedAttack(env_name, s.id, "-", f"task not run here: {s.reason}") for s in cannot]
        tasks, how = _choose(runnable, limit, sample, seed)
        slow_ids = {t.id for t in _choose(tasks, None, slow_sample, seed + 1)[0]}
        report.sampled[env_name] = how + (f"; slow attacks on {len(slow_ids)}" if len(slow_ids) < len(tasks) else "")
        # Over the whole suite, even when one task is attacked: how common an answer is is a suite property.
        references = await _References.of(ref, ref.cls.tasks(ref.suite)) if "answer_guess" in classes else _References()
        tools = ref.cls.tools(ref.suite)
        for task in tasks:
            planned, skipped = plan_attacks(
                task,
                tools,
                classes=classes,
                isolated=isolated,
                common=references.common(),
                family_attacks=family_attacks(ref.cls, task),
            )
            report.skipped += [SkippedAttack(env_name, task.id, "-", why) for why in skipped]
            for attack in planned:
                if attack.slow and task.id not in slow_ids:
                    continue
                jobs.append(_Job(ref, task, attack, references))
            report.tasks_checked += 1
    try:
        await run_all(
            jobs,
            lambda job: _run_job(job, ctx, report, episode_timeout_s),
            concurrency=concurrency,
            progress=progress,
            description=f"attacking {report.env_id}",
        )
    finally:
        await ctx.aclose()
    order = {(j.ref.family + "/" + j.ref.suite, j.task.id, j.attack.name): i for i, j in enumerate(jobs)}
    report.results.sort(key=lambda r: order.get((r.env, r.task_id, r.attack), 0))
    report.duration_s = time.monotonic() - started
    return report


@blocking_form(check_adversary_async, "envgym-adversary")
def check_adversary() -> None:
    """Attack every task of ``env_id`` (a family, ``family/suite`` or ``family/suite.task``) with every
    attack its interface allows (``attacks``: a comma list of classes to narrow it). ``limit`` takes
    the first N tasks of each suite, ``sample`` a seeded random N; ``slow_sample`` caps the tasks
    that get the slow attacks (those that wait out a verifier timeout).

    Example (in a plugin's own tests):
        >>> report = check_adversary("debug/echo", attacks="answer_guess,answer_injection")
        >>> assert report.ok, report.summary()
    """


__all__ = ["AdversaryReport", "check_adversary", "check_adversary_async", "judge"]
