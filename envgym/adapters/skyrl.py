"""SkyRL: ``EnvgymTextEnv``, a ``skyrl_gym`` ``BaseTextEnv`` that plays one envgym session per
episode on the model's raw text (SkyRL generates token-in/token-out and hands the environment text).

Registered with ``skyrl_gym`` as ``envgym`` (``register()``, done on import). A dataset row names it
with ``env_class: envgym`` and carries ``extras: {"task_id": ..., "env": ...}`` (``task_rows`` makes
the prompt and task id); the server and parser come from the env config
(``environment.skyrl_gym.envgym``: ``url``, ``tool_parser``, ``token``, ``ttl_s``, ``tool_role``,
``max_turns``) or the row's extras, falling back to ``$ENVGYM_URL``. ``step`` returns the
environment's messages as SkyRL's observations, the episode's reward when it ends (0 before), and
``metadata["status"]`` — an error status (``env_error``...) is marked there so it can be dropped
rather than trained on as a 0.

Example (``pip install 'envgym[skyrl]'``)::

        import skyrl_gym
        import envgym.adapters.skyrl                                          # registers "envgym"
        env = skyrl_gym.make("envgym", env_config={"url": "http://127.0.0.1:8000", "tool_parser": "hermes"},
                             extras={"env": "debug/counter", "task_id": "count-to-1"})
        prompt, info = env.init([{"role": "user", "content": "..."}])
        out = env.step('<tool_call>{"name": "increment", "arguments": {}}</tool_call>')
"""

from __future__ import annotations

import os
from typing import Any, Callable

from skyrl_gym.envs.base_text_env import BaseTextEnv, BaseTextEnvStepOutput
from skyrl_gym.envs.registration import register as _skyrl_register
from skyrl_gym.envs.registration import registry as _skyrl_registry

from envgym.adapters.text import TextEpisode

__all__ = ["EnvgymTextEnv", "register"]


def _get(config: Any, key: str, default: Any = None) -> Any:
    # A mapping (dict, OmegaConf) or an object with attributes; None (no env config) has neither.
    return config.get(key, default) if hasattr(config, "get") else getattr(config, key, default)


class EnvgymTextEnv(BaseTextEnv):
    """One envgym episode as a SkyRL text environment (see the module docstring)."""

    def __init__(self, env_config: Any = None, extras: dict[str, Any] | None = None) -> None:
        super().__init__()
        extras = dict(extras or {})
        setting: Callable[..., Any] = lambda key, default=None: extras.get(key, _get(env_config, key, default))  # noqa: E731
        url = setting("url") or os.environ.get("ENVGYM_URL")
        env = setting("env")
        self.task_id = extras.get("task_id")
        if not url or not env or not self.task_id:
            raise ValueError("EnvgymTextEnv needs url (env config, extras or $ENVGYM_URL), env and task_id (extras)")
        self.max_turns = int(setting("max_turns", 50))
        self.seed = extras.get("seed")
        self.episode = TextEpisode(
            url,
            env,
            tool_parser=setting("tool_parser", "hermes"),
            token=setting("token"),
            ttl_s=setting("ttl_s", 600.0),
            tool_role=setting("tool_role", "tool"),
        )

    def init(self, prompt: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        first = self.episode.start(str(self.task_id), self.seed)
        # The row's prompt (task_rows: the task's own prompt) is kept; an empty one gets the environment's.
        return (list(prompt) if prompt else first), {"session_id": self.episode.session_id, "tools": self.episode.tools}

    def step(self, action: str) -> BaseTextEnvStepOutput:
        self.turns += 1
        turn = self.episode.step(action)
        done = turn.done or self.turns >= self.max_turns
        metadata = {
            "status": turn.status.value if turn.done else ("truncated" if done else "running"),
            "grade": turn.grade.model_dump() if turn.grade is not None else None,
            "error": turn.error.model_dump() if turn.error is not None else None,
            "tool_calls": turn.info.get("tool_calls"),
        }
        if done:
            self.episode.close()
        reward = 0.0 if turn.status.is_error else turn.reward
        return BaseTextEnvStepOutput(
            observations=[] if done else turn.messages,
            reward=reward,
            done=done,
            metadata=metadata,
            postprocessed_action=None,
        )

    def close(self) -> None:
        self.episode.close()

    def get_metrics(self) -> dict[str, Any]:
        return {"envgym_reward": self.episode.reward, "envgym_error": float(self.episode.status.is_error)}


def register(env_id: str = "envgym") -> None:
    """Make ``skyrl_gym.make(env_id, ...)`` build an ``EnvgymTextEnv`` (idempotent)."""
    if env_id not in _skyrl_registry:
        _skyrl_register(id=env_id, entry_point="envgym.adapters.skyrl:EnvgymTextEnv")


register()
