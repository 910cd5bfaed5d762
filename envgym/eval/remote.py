"""Running eval episodes against a remote envgym server (``envgym eval --server URL``).

Episodes go through ``envgym.AsyncClient(url).episode(env_id)``; tasks are reset by id, so the
server uses its own copy (hidden tests and reference solutions never travel). When the
environment's plugin is also installed here, its class and full task records are used (the
``oracle`` agent needs them); otherwise the task list and tool schemas come from the server's
``GET /v1/environments/...`` routes and a stand-in class carries them — enough for model agents,
``nop`` and ``random``, while ``oracle`` then ends each episode ``agent_error`` ("offers no
reference solution").

Example:
    >>> target = asyncio.run(RemoteTarget.open("http://127.0.0.1:8000", "debug/echo"))   # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from envgym.agents.loop import standin_family
from envgym.kernel.environment import Environment
from envgym.kernel.families import resolve
from envgym.protocol import Task
from envgym.protocol.errors import EnvgymError
from envgym.protocol.ids import EnvId

if TYPE_CHECKING:
    from envgym.client import AsyncClient, RemoteEpisode
    from envgym.client.ws import WebSocketEpisode


class RemoteTarget:
    """The tasks, family class and episode handles of one environment id on a server."""

    def __init__(self, client: AsyncClient, env_id: str, env_cls: type[Environment], tasks: list[Task]) -> None:
        self.client = client
        self.env_id = env_id
        self.env_cls = env_cls
        self.tasks = tasks
        self.websocket = False
        self.options: dict[str, Any] = {}  # every episode's session options (e.g. max_turns)

    @classmethod
    async def open(
        cls,
        url: str,
        env: str,
        *,
        token: str | None = None,
        websocket: bool = False,
        options: dict[str, Any] | None = None,
    ) -> "RemoteTarget":
        from envgym.client import AsyncClient

        client = AsyncClient(url, token=token)
        try:
            detail = await client.environment(env)
            parsed = EnvId.parse(env, [s.name for s in detail.suites] if detail.suites else None)
            family = parsed.family
            suite = parsed.suite or (detail.suites[0].name if detail.suites else "")
            env_id = f"{family}/{suite}" if suite else env
            remote_tasks: list[Task] = []
            while True:
                page = await client.tasks(env, offset=len(remote_tasks), limit=1000)
                remote_tasks.extend(
                    Task(id=t.id, suite=t.suite, prompt=t.prompt, metadata=t.metadata) for t in page.tasks
                )
                if not page.tasks or len(remote_tasks) >= page.total:
                    break
        except BaseException:
            await client.aclose()
            raise
        env_cls, tasks = _local_family(env, remote_tasks)
        if env_cls is None:
            env_cls = standin_family(family, list(detail.suites), list(detail.tools), detail.summary, remote_tasks)
            tasks = remote_tasks
        target = cls(client, env_id, env_cls, tasks)
        target.websocket, target.options = websocket, dict(options or {})
        return target

    def new_episode(self) -> RemoteEpisode | WebSocketEpisode:
        # A client episode resets by task id: the server keeps its own copy of the task.
        return self.client.episode(self.env_id, self.options, websocket=self.websocket)

    async def aclose(self) -> None:
        await self.client.aclose()


def _local_family(env: str, remote_tasks: list[Task]) -> tuple[type[Environment] | None, list[Task]]:
    """The installed plugin class and its full task records, when this machine has the plugin and
    its tasks are the server's (same ids); else ``(None, [])``."""
    try:
        ref = resolve(env)
        local = {t.id: t for t in ref.tasks()}
    except EnvgymError:
        return None, []
    if not all(t.id in local for t in remote_tasks):
        return None, []
    return ref.cls, [local[t.id] for t in remote_tasks]
