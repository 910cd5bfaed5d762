"""The eval runner: play an agent over a task suite, ``k`` samples per task, ``C`` episodes at a
time, in-process or against a remote envgym server, writing every finished episode to
``OUT/episodes.jsonl`` the moment it ends.

Resuming (``resume=True``) reads the directory's records and plays only the (task, sample) pairs
that have no record yet; ``retry_errors=True`` re-plays only the pairs whose latest record is an
error (``agent_error``, ``env_error``, ``grader_error``, ``timeout``); both together do both. An
episode is recorded only once it has finished, so a run killed at any point loses only the
episodes that were in flight, and a resumed run neither repeats nor loses one.

The seed of sample ``i`` is ``seed + i`` (the same for every task), so two runs with the same seed
see the same randomness.

Example:
    >>> import asyncio, tempfile
    >>> cfg = EvalConfig(env="debug/echo", agent="oracle", out=tempfile.mkdtemp(), tasks=3)
    >>> asyncio.run(EvalRunner(cfg).run()).summary["mean_reward"]
    1.0
"""

from __future__ import annotations

import asyncio
import functools
import time
import traceback
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Callable

from envgym.agents import get_agent
from envgym.agents.base import Agent
from envgym.agents.loop import EpisodeRecord, run_episode
from envgym.eval.records import RUN_FILE, SUMMARY_FILE, RecordStore, read_json, write_json
from envgym.eval.remote import RemoteTarget
from envgym.eval.stats import summarize
from envgym.kernel import registry
from envgym.kernel.context import EnvContext
from envgym.kernel.environment import Environment
from envgym.kernel.episode import EpisodeSource
from envgym.kernel.families import resolve
from envgym.protocol import EpisodeStatus, SkippedTask, Task
from envgym.protocol.errors import EnvgymError, InvalidRequest


@dataclass
class EvalConfig:
    """What to run. ``agent_config`` goes to the agent's constructor (``model``/``base_url`` are added to
    it when given); ``settings`` become ``EnvContext.settings`` for in-process environments."""

    env: str
    out: str | Path
    agent: str = "oracle"
    agent_config: dict[str, Any] = field(default_factory=dict)
    model: str | None = None
    base_url: str | None = None
    tasks: int | None = None  # first N tasks of the suite (all when None)
    task_ids: list[str] | None = None  # or exactly these
    samples: int = 1
    concurrency: int = 8
    server: str | None = None
    token: str | None = None
    websocket: bool = False  # with a server: one WebSocket per episode instead of REST calls
    resume: bool = False
    retry_errors: bool = False
    sandbox: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    seed: int = 0
    max_steps: int = 10_000
    episode_timeout: float | None = None
    ray: str | None = None  # a Ray cluster address ("auto", "ray://...", "local" = start one here)
    ray_workers: int = 2

    def manifest(self) -> dict[str, Any]:
        """The run's settings as ``run.json`` records them, with secrets of the agent's config masked."""
        masked = {k: ("***" if "key" in k.lower() or "token" in k.lower() else v) for k, v in self.agent_config.items()}
        return {k: masked if k == "agent_config" else getattr(self, k) for k in _MANIFEST_FIELDS}


# The EvalConfig fields run.json records, in this order.
_MANIFEST_FIELDS = (
    "env agent agent_config model base_url tasks task_ids samples server ray sandbox settings seed max_steps "
    "episode_timeout"
).split()


@dataclass
class EvalResult:
    out: Path
    summary: dict[str, Any]
    records: list[EpisodeRecord]
    ran: int  # episodes played by this call
    skipped: int  # episodes already on disk and not re-played
    wall_s: float


@dataclass
class Progress:
    """Live counters handed to the ``on_record`` callback after each episode."""

    total: int
    done: int = 0
    passed: int = 0
    scored: int = 0
    errors: int = 0

    @property
    def success_rate(self) -> float | None:
        return self.passed / self.scored if self.scored else None

    def add(self, record: EpisodeRecord) -> None:
        self.done += 1
        if record.status.is_error:
            self.errors += 1
        else:
            self.scored += 1
            self.passed += int(record.passed)


def package_versions() -> dict[str, str]:
    """Versions of envgym and of every installed package that provides envgym plugins."""
    out = {}
    try:
        out["envgym"] = metadata.version("envgym")
    except metadata.PackageNotFoundError:
        from envgym import __version__

        out["envgym"] = __version__
    for group in registry.GROUPS:
        for plugin in registry.list_plugins(group):
            if not plugin.package.startswith("<"):
                out[plugin.package] = plugin.version
    return dict(sorted(out.items()))


class EvalRunner:
    def __init__(self, config: EvalConfig, *, agent: Agent | None = None) -> None:
        self.cfg = config
        self.out = Path(config.out)
        self.store = RecordStore(self.out)
        self._agent = agent
        if config.samples < 1:
            raise InvalidRequest("samples (-k) must be at least 1")
        if config.concurrency < 1:
            raise InvalidRequest("concurrency must be at least 1")

    # ------------------------------------------------------------------ planning
    def _make_agent(self) -> Agent:
        if self._agent is not None:
            return self._agent
        config = dict(self.cfg.agent_config)
        if self.cfg.model is not None:
            config.setdefault("model", self.cfg.model)
        if self.cfg.base_url is not None:
            config.setdefault("base_url", self.cfg.base_url)
        return get_agent(self.cfg.agent, **config)

    def _check_manifest(self) -> None:
        run_file = self.out / RUN_FILE
        existing = self.store.path.exists() and self.store.path.stat().st_size > 0
        if existing and not (self.cfg.resume or self.cfg.retry_errors):
            raise InvalidRequest(
                f"{self.out} already holds episodes; pass --resume to continue that run "
                "(or --retry-errors to re-run its failed episodes), or choose another --out",
                details={"out": str(self.out)},
            )
        if run_file.exists() and existing:
            old = read_json(run_file)
            for key in ("env", "agent"):
                if old.get(key) != getattr(self.cfg, key):
                    raise InvalidRequest(
                        f"{self.out} holds a run with {key}={old.get(key)!r}, not {getattr(self.cfg, key)!r}; "
                        "resume with the same settings or choose another --out"
                    )

    def plan(self, tasks: list[Task], previous: list[EpisodeRecord]) -> list[tuple[Task, int]]:
        """The (task, sample) pairs still to play, in suite order."""
        latest = {(r.task_id, r.sample): r for r in previous if r.env == self.env_id}
        todo = []
        for task in tasks:
            for sample in range(self.cfg.samples):
                rec = latest.get((task.id, sample))
                if rec is None:
                    # --retry-errors alone re-plays failures only; with --resume it also fills the gaps.
                    if self.cfg.resume or not self.cfg.retry_errors:
                        todo.append((task, sample))
                elif self.cfg.retry_errors and rec.status.is_error:
                    todo.append((task, sample))
        return todo

    # ------------------------------------------------------------------ running
    async def run(
        self,
        on_record: Callable[[EpisodeRecord, Progress], None] | None = None,
        on_plan: Callable[[Progress], None] | None = None,
    ) -> EvalResult:
        started = time.monotonic()
        self._check_manifest()
        target = await self._target()
        try:
            self.env_id = target.env_id
            # Tasks the family says cannot run here are listed in the summary, not played.
            skipped = [s for s in getattr(target, "skipped", []) if not self.cfg.task_ids or s.id in self.cfg.task_ids]
            skipped_ids = {s.id for s in skipped}
            tasks = [t for t in target.tasks if t.id not in skipped_ids]
            if self.cfg.task_ids:
                wanted = set(self.cfg.task_ids)
                tasks = [t for t in tasks if t.id in wanted]
                missing = wanted - {t.id for t in tasks} - skipped_ids
                if missing:
                    raise InvalidRequest(f"no such task(s) in {self.env_id}: {', '.join(sorted(missing))}")
            tasks = tasks[: self.cfg.tasks]
            todo = self.plan(tasks, self.store.load())
            versions = package_versions()
            write_json(
                self.out / RUN_FILE,
                {
                    **self.cfg.manifest(),
                    "env_id": self.env_id,
                    "versions": versions,
                    "task_count": len(tasks),
                    "updated_at": time.time(),
                },
            )
            progress = Progress(total=len(todo))
            if on_plan:
                on_plan(progress)
            agent = self._make_agent()
            self.store.open()
            try:
                await self._play(todo, target, agent, versions, progress, on_record)
            finally:
                self.store.close()
                if self._agent is None:
                    await agent.aclose()
        finally:
            await target.aclose()
        keep = {(t.id, s) for t in tasks for s in range(self.cfg.samples)}
        records = [r for r in self.store.load() if r.env == self.env_id and (r.task_id, r.sample) in keep]
        manifest = read_json(self.out / RUN_FILE)
        summary = summarize(records, k=self.cfg.samples, manifest=manifest)
        summary["skipped_tasks"] = [s.model_dump(exclude_none=True) for s in skipped]
        wall = time.monotonic() - started
        summary["wall_s_last_invocation"] = round(wall, 3)
        summary["episodes_run_last_invocation"] = progress.done
        write_json(self.out / SUMMARY_FILE, summary)
        return EvalResult(
            out=self.out,
            summary=summary,
            records=records,
            ran=progress.done,
            skipped=len(keep) - len(todo),
            wall_s=wall,
        )

    async def _target(self) -> EpisodeSource:
        if self.cfg.server:
            return await RemoteTarget.open(
                self.cfg.server, self.cfg.env, token=self.cfg.token, websocket=self.cfg.websocket
            )
        if self.cfg.ray:
            from envgym.adapters.ray import RayTarget

            return RayTarget(
                self.cfg.env,
                None if self.cfg.ray == "local" else self.cfg.ray,
                num_workers=self.cfg.ray_workers,
                sandbox=self.cfg.sandbox or "bwrap",
                settings=dict(self.cfg.settings),
            )
        return LocalTarget(
            self.cfg.env, EnvContext(sandbox=self.cfg.sandbox or "bwrap", settings=dict(self.cfg.settings))
        )

    async def _play(
        self,
        todo: list[tuple[Task, int]],
        target: EpisodeSource,
        agent: Agent,
        versions: dict[str, str],
        progress: Progress,
        on_record: Callable[[EpisodeRecord, Progress], None] | None,
    ) -> None:
        queue: asyncio.Queue[tuple[Task, int]] = asyncio.Queue()
        for item in todo:
            queue.put_nowait(item)

        async def worker() -> None:
            while True:
                try:
                    task, sample = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                record = await self._episode(target, agent, task, sample)
                record.sample = sample
                record.versions = versions
                if record.model is None:
                    record.model = self.cfg.model
                self.store.append(record)
                progress.add(record)
                if on_record:
                    on_record(record, progress)

        await asyncio.gather(*(worker() for _ in range(min(self.cfg.concurrency, max(1, len(todo))))))

    async def _episode(self, target: EpisodeSource, agent: Agent, task: Task, sample: int) -> EpisodeRecord:
        seed = self.cfg.seed + sample
        coro = None
        try:
            env = target.new_episode()
            coro = run_episode(
                env, agent, task, target.env_cls, seed=seed, env_id=self.env_id, max_steps=self.cfg.max_steps
            )
            return await asyncio.wait_for(coro, self.cfg.episode_timeout or None)
        except Exception as exc:  # noqa: BLE001 — never lose an episode to a runner-side failure
            if coro is not None:
                coro.close()
            if isinstance(exc, asyncio.TimeoutError):
                status = EpisodeStatus.timeout
                error = {"code": "episode_timeout", "message": f"episode exceeded {self.cfg.episode_timeout} s"}
            else:
                status, code = EpisodeStatus.env_error, exc.code if isinstance(exc, EnvgymError) else "env_error"
                error = {"code": code, "message": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}
            return EpisodeRecord(
                env=self.env_id,
                task_id=task.id,
                agent=agent.name,
                seed=seed,
                status=status,
                metadata=dict(task.metadata),
                started_at=time.time(),
                error=error,
            )


class LocalTarget:
    """Episodes of an installed environment family, in this process."""

    def __init__(self, env: str, context: EnvContext, options: dict[str, Any] | None = None) -> None:
        self.ref = resolve(env)
        self.env_id = self.ref.suite_id
        self.env_cls: type[Environment] = self.ref.cls
        self.context = context
        self.options = dict(options or {})  # every episode's options (e.g. max_turns)
        self.tasks = self.ref.tasks()

    @functools.cached_property
    def skipped(self) -> list[SkippedTask]:
        """The tasks of this suite the family says cannot run here, with the reason."""
        return [
            s
            for s in self.ref.cls.skipped_tasks(self.ref.suite, self.context)
            if self.ref.task_id is None or s.id == self.ref.task_id
        ]

    def new_episode(self) -> Environment:
        return self.env_cls(self.ref.suite, context=self.context, options=self.options)

    async def aclose(self) -> None:
        await self.context.aclose()


__all__ = ["EvalConfig", "EvalRunner", "EvalResult", "Progress", "package_versions"]
