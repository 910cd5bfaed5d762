"""Where a Gymnasium episode actually runs: in this process, or in an envgym server over HTTP.

Both backends have the same small, blocking interface, so ``envgym.gym.EnvgymEnv`` does not care
which one it drives: list the task ids it may sample from, start an episode on one task, step it,
end it, and release everything.

Example:
    >>> from envgym.envs import resolve
    >>> backend = LocalBackend(resolve("debug/echo"))
    >>> obs, info = backend.start("echo-3", seed=0)
    >>> backend.step(Action(content="delta")).reward
    1.0
    >>> backend.close()
"""

from __future__ import annotations

import abc
from typing import Any

from envgym.context import EnvContext, default_context
from envgym.environment import Environment
from envgym.envs import EnvId, EnvRef
from envgym.errors import InvalidRequest
from envgym.protocol import Action, Observation, StepResult, Tool
from envgym.sync import LoopThread


class Backend(abc.ABC):
    env_id: str
    pinned_task_id: str | None = None

    @abc.abstractmethod
    def task_ids(self) -> list[str]:
        """The ids an unpinned reset samples from, in a stable order (so seeds reproduce)."""

    @abc.abstractmethod
    def start(self, task_id: str, seed: int | None) -> tuple[Observation, dict[str, Any]]:
        """End the running episode (if any) and start a new one."""

    @abc.abstractmethod
    def step(self, action: Action) -> StepResult: ...

    @abc.abstractmethod
    def end_episode(self) -> None:
        """Close the running episode and release what it holds; idempotent."""

    @abc.abstractmethod
    def tools(self) -> list[Tool]: ...

    @abc.abstractmethod
    def close(self) -> None:
        """End the episode and release the backend itself; idempotent."""


class LocalBackend(Backend):
    """One ``Environment`` instance per episode, driven on this backend's own event-loop thread
    (async resources such as subprocesses belong to the loop that created them)."""

    def __init__(
        self,
        ref: EnvRef,
        *,
        context: EnvContext | None = None,
        sandbox: str | None = None,
        options: dict[str, Any] | None = None,
    ) -> None:
        self.ref = ref
        self.env_id = ref.id
        self.pinned_task_id = ref.task_id
        self.options = dict(options or {})
        # A sandbox choice gets a context of its own, which this backend then owns and closes.
        self._owns_context = context is None and sandbox is not None
        self.context = context or (EnvContext(sandbox=sandbox) if sandbox else default_context())
        self._loop = LoopThread(f"envgym-gym-{ref.family}")
        self._env: Environment | None = None
        self._closed = False

    def task_ids(self) -> list[str]:
        return [t.id for t in self.ref.cls.tasks(self.ref.suite)]

    def start(self, task_id: str, seed: int | None) -> tuple[Observation, dict[str, Any]]:
        if self._closed:
            raise InvalidRequest("this envgym Gymnasium environment is closed")
        self.end_episode()
        task = self.ref.cls.get_task(self.ref.suite, task_id)
        self._env = self.ref.cls(self.ref.suite, context=self.context, options=self.options)
        result = self._loop.run(self._env.reset(task, seed))
        return result.observation, dict(result.info)

    def step(self, action: Action) -> StepResult:
        if self._env is None:
            raise InvalidRequest("call reset() before step()")
        return self._loop.run(self._env.step(action))

    def end_episode(self) -> None:
        env, self._env = self._env, None
        if env is not None:
            self._loop.run(env.close())

    def tools(self) -> list[Tool]:
        return self.ref.cls.tools(self.ref.suite)

    def close(self) -> None:
        if self._closed:
            return
        try:
            self.end_episode()
            if self._owns_context:
                self._loop.run(self.context.aclose())
        finally:
            self._closed = True
            self._loop.stop()


class RemoteBackend(Backend):
    """Episodes are sessions of an envgym server, reached through ``envgym.client.Client``."""

    PAGE = 500

    def __init__(
        self,
        env_id: str,
        url: str,
        *,
        token: str | None = None,
        task_id: str | None = None,
        options: dict[str, Any] | None = None,
        client: Any = None,
    ) -> None:
        from envgym.client import Client

        self.env_id = env_id
        self.options = dict(options or {})
        self._owns_client = client is None
        self.client = client if client is not None else Client(url, token=token)
        self._session: str | None = None
        self._task_ids: list[str] | None = None
        self._closed = False
        try:
            # Fail now, with the server's typed error (unknown_environment, unknown_task, unauthorized
            # ...), not at reset; the server's suite names settle where the suite ends in the id.
            detail = self.client.environment(env_id)
            parsed = EnvId.parse(env_id, [s.name for s in detail.suites] or None)
        except BaseException:
            if self._owns_client:
                self.client.close()
            raise
        self._tools: list[Tool] | None = list(detail.tools)
        # ``family/suite.task`` pins the task; the session is then opened on ``family/suite``.
        if parsed.task_id is not None and task_id is None:
            task_id = parsed.task_id
        self._session_env = parsed.suite_id
        self.pinned_task_id = task_id

    def task_ids(self) -> list[str]:
        if self._task_ids is None:
            ids: list[str] = []
            while True:
                page = self.client.tasks(self._session_env, offset=len(ids), limit=self.PAGE)
                ids.extend(t.id for t in page.tasks)
                if not page.tasks or len(ids) >= page.total:
                    break
            self._task_ids = ids
        return self._task_ids

    def start(self, task_id: str, seed: int | None) -> tuple[Observation, dict[str, Any]]:
        if self._closed:
            raise InvalidRequest("this envgym Gymnasium environment is closed")
        self.end_episode()
        kwargs: dict[str, Any] = {"task_id": task_id, "seed": seed}
        if self.options:
            kwargs["options"] = self.options
        created = self.client.create_session(self._session_env, **kwargs)
        self._session = created.session_id
        if created.observation.tools is not None:
            self._tools = list(created.observation.tools)
        info = dict(created.info)
        info.setdefault("session_id", created.session_id)
        return created.observation, info

    def step(self, action: Action) -> StepResult:
        if self._session is None:
            raise InvalidRequest("call reset() before step()")
        result = self.client.step(self._session, action)
        if result.observation.tools is not None:
            self._tools = list(result.observation.tools)
        return result

    def end_episode(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            self.client.close_session(session)

    def tools(self) -> list[Tool]:
        if self._tools is None:
            self._tools = list(self.client.environment(self._session_env).tools)
        return self._tools

    def close(self) -> None:
        if self._closed:
            return
        try:
            self.end_episode()
        finally:
            self._closed = True
            if self._owns_client:
                self.client.close()
