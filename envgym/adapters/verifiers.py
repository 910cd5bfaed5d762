"""verifiers (``verifiers.v1``, prime-rl's native environment format): an envgym environment as a
verifiers taskset plus an ``Env`` whose ``run()`` drives one envgym session per episode.

``EnvgymTaskset`` lists the environment's public tasks from the server (one verifiers task per
envgym task; the task id, environment and server travel in ``info``). ``EnvgymEnv.run`` opens the
policy's interaction on the task's prompt (the model speaks first), sends each reply's text to
the session as an action (``tool_parser`` reads tool calls out of it), answers with the
environment's messages as the next user turn, and ends the exchange when the episode ends. The
episode's reward is recorded on the trace as ``envgym_reward``; its status in ``trace.info``
(``envgym_status``), so error statuses can be told apart from zeros.

verifiers finds plugins by module name, so the installable id is ``envgym_verifiers`` (a top-level
shim re-exporting these classes). Example run (``pip install 'envgym[verifiers]'``)::

    vf-eval envgym_verifiers --env.taskset.url http://127.0.0.1:8000 --env.taskset.env debug/counter

Example:
    >>> EnvgymTasksetConfig(id="envgym_verifiers", url="http://127.0.0.1:8000", env="debug/counter").env
    'debug/counter'
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import verifiers.v1 as vf

from envgym.adapters.rows import observation_text, task_rows
from envgym.adapters.text import AsyncTextEpisode

__all__ = ["EnvgymTasksetConfig", "EnvgymData", "EnvgymTask", "EnvgymEnvConfig", "EnvgymEnv", "EnvgymTaskset"]


class EnvgymTasksetConfig(vf.TasksetConfig):
    url: str = "http://127.0.0.1:8000"
    """The envgym server."""
    env: str = "debug/counter"
    """The envgym environment id (family/suite)."""
    split: str | None = None
    limit: int | None = None
    token: str | None = None
    tool_parser: str = "hermes"
    """How the environment reads tool calls out of the model's text (envgym.tool_parsers)."""
    ttl_s: float = 600.0
    max_turns: int = 50


class EnvgymData(vf.TaskData):
    info: dict[str, Any]
    """Where the episode is played: server url, environment, task id and the session settings."""


class EnvgymTask(vf.Task[EnvgymData, vf.State, vf.TaskConfig]):
    pass


class EnvgymEnvConfig(vf.EnvConfig):
    player: vf.AgentConfig = vf.AgentConfig()


class EnvgymEnv(vf.Env[EnvgymEnvConfig]):
    async def run(self, task: EnvgymTask, agents: vf.Agents) -> None:
        info = task.data.info
        episode = AsyncTextEpisode(
            info["url"], info["env"], tool_parser=info["tool_parser"], token=info.get("token"), ttl_s=info["ttl_s"]
        )
        await episode.start(info["task_id"])
        try:
            async with agents.player.interaction(task) as interaction:
                segment = await interaction.turn()
                turns = 0
                while not segment.terminated and turns < info["max_turns"]:
                    turn = await episode.step(segment.last_reply)
                    turns += 1
                    if turn.done:
                        break
                    segment = await interaction.turn(observation_text(turn.messages) or "(no output)")
        finally:
            await episode.close()
        trace = interaction.trace
        trace.record_reward("envgym_reward", 0.0 if episode.status.is_error else episode.reward, 1.0)
        trace.info["envgym_status"] = episode.status.value


class EnvgymTaskset(vf.Taskset[EnvgymTask, EnvgymTasksetConfig]):
    def load(self) -> Iterator[EnvgymTask]:
        c = self.config
        # What EnvgymEnv.run needs to play a row's episode: the task id and the session settings.
        session = c.model_dump(include={"url", "env", "token", "tool_parser", "ttl_s", "max_turns"})
        for row in task_rows(c.url, c.env, split=c.split, limit=c.limit, token=c.token):
            name, prompt = f"{c.env}#{row['task_id']}", row["prompt"][0]["content"]
            yield EnvgymTask(EnvgymData(name=name, prompt=prompt, info={**session, "task_id": row["task_id"]}), c.task)
