"""The Gymnasium adapter: ``envgym.make(env_id)`` returns a ``gymnasium.Env``.

The episode runs in this process (the environment plugin must be installed here) or, given
``url=``, in an envgym server over HTTP (nothing but envgym's client is needed here).

* Observation space: a Unicode ``Text`` (see ``envgym.adapters.gym_spaces``) holding the observation
  rendered as text — the messages' text joined by blank lines, tool results prefixed with
  ``[tool <call id>]``. Characters outside the charset become U+FFFD and text beyond
  ``max_observation_chars`` is cut with a marker; the untouched ``Observation`` is in ``info``.
* Action space: a Unicode ``Text``. A string is the assistant's reply as plain text, unless it is
  a JSON object with ``"role": "assistant"``: then it is the whole assistant message in OpenAI
  format, e.g. ``{"role": "assistant", "tool_calls": [...]}``. ``step`` also accepts an
  ``envgym.Action`` or a dict directly.
* ``reward``, ``terminated``, ``truncated`` and ``info`` come straight from the environment's
  ``StepResult``; ``info`` also carries ``observation`` (the ``Observation``), ``messages``
  (OpenAI-format dicts to append to the model's context), ``tools`` (OpenAI function schemas),
  ``status`` and ``grade`` (a dict, once the episode is graded), and ``task_id``.
* Each ``reset`` starts a new episode: on the pinned task (``task_id=``, ``family/suite.task``,
  or ``options={"task_id": ...}``) or on a task drawn with the environment's ``np_random``, so
  ``reset(seed=s)`` always picks the same task and passes the same seed to the environment.

Example:
    >>> import envgym
    >>> env = envgym.make("debug/echo", task_id="echo-3")
    >>> obs, info = env.reset(seed=0)
    >>> obs
    'Reply with exactly this word and nothing else: delta'
    >>> env.step("delta")[1:3]
    (1.0, True)
    >>> env.close()
"""

from __future__ import annotations

import contextlib
import json
from typing import Any, SupportsFloat

import gymnasium
from gymnasium.envs.registration import EnvSpec

from envgym.adapters.gym_spaces import fit_text, unicode_text
from envgym.eval.remote import RemoteTarget
from envgym.eval.runner import LocalTarget
from envgym.kernel.context import EnvContext, default_context
from envgym.kernel.episode import EpisodeSource
from envgym.kernel.sync import LoopThread, SyncEpisode
from envgym.protocol import Action, Observation, StepResult, Tool
from envgym.protocol.errors import InvalidRequest, UnknownEnvironment
from envgym.protocol.ids import EnvId

DEFAULT_MAX_OBSERVATION_CHARS = 1_000_000
DEFAULT_MAX_ACTION_CHARS = 100_000
GYMNASIUM_ID = "envgym/Env-v0"


def render_observation(observation: Observation) -> str:
    """The text an LLM policy reads: the messages' text, tool results tagged with their call id."""
    parts = []
    for message in observation.messages:
        text = message.text()
        if message.role == "tool":
            text = f"[tool {message.tool_call_id or message.name or ''}]\n{text}".replace("[tool ]", "[tool]")
        parts.append(text)
    return "\n\n".join(parts)


def parse_action(action: Any) -> Action:
    """A Gymnasium action (text, JSON-encoded assistant message, dict or ``Action``) as an ``Action``."""
    if isinstance(action, Action):
        return action
    if isinstance(action, dict):
        return Action.model_validate(action)
    if not isinstance(action, str):
        raise InvalidRequest(f"an envgym action is a string (or an envgym.Action / dict), not {type(action).__name__}")
    stripped = action.strip()
    if stripped.startswith("{") and stripped.endswith("}"):
        with contextlib.suppress(json.JSONDecodeError):
            decoded = json.loads(stripped)
            if isinstance(decoded, dict) and decoded.get("role") == "assistant":
                return Action.model_validate(decoded)
    return Action(content=action)


class EnvgymEnv(gymnasium.Env[str, str]):
    """A ``gymnasium.Env`` over one envgym environment id (build it with ``envgym.make``). Each
    episode is a new ``Episode`` of ``source`` (``envgym.kernel.episode.EpisodeSource``: ``LocalTarget`` in
    this process, ``RemoteTarget`` on a server), driven through a ``SyncEpisode`` on ``loop``, the
    loop thread the source lives on; ``close`` releases the source (if ``owns_source``) and the loop."""

    # "ansi" renders the latest observation text; the fps only matters to video recorders, which
    # Gymnasium's checker wants declared anyway.
    metadata = {"render_modes": ["ansi"], "render_fps": 1}

    def __init__(
        self,
        source: EpisodeSource,
        loop: LoopThread,
        *,
        pinned_task_id: str | None = None,
        owns_source: bool = True,
        render_mode: str | None = None,
        max_observation_chars: int = DEFAULT_MAX_OBSERVATION_CHARS,
        max_action_chars: int = DEFAULT_MAX_ACTION_CHARS,
    ) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise InvalidRequest(
                f"render_mode {render_mode!r} is not supported; choose from {self.metadata['render_modes']}"
            )
        self.source, self._loop, self._owns_source = source, loop, owns_source
        self.pinned_task_id = pinned_task_id
        self.render_mode = render_mode
        self.max_observation_chars = max_observation_chars
        self.observation_space = unicode_text(max_observation_chars)
        self.action_space = unicode_text(max_action_chars)
        self._episode: SyncEpisode | None = None
        self._closed = False
        self._tools: list[Tool] = []
        self._last_text = ""
        self._task_id: str | None = None
        self.initial_seed: int | None = None  # used by the first reset() that is given no seed

    @property
    def env_id(self) -> str:
        return self.source.env_id + (f".{self.pinned_task_id}" if self.pinned_task_id else "")

    def _choose_task(self, options: dict[str, Any]) -> str:
        if options.get("task_id"):
            return str(options["task_id"])
        if self.pinned_task_id:
            return self.pinned_task_id
        ids = [t.id for t in self.source.tasks]
        if not ids:
            raise InvalidRequest(f"{self.env_id} has no tasks to sample from")
        return ids[int(self.np_random.integers(len(ids)))]

    def _info(self, observation: Observation, raw: dict[str, Any], result: StepResult | None = None) -> dict[str, Any]:
        if observation.tools is not None:
            self._tools = list(observation.tools)
        info = dict(raw)
        info["observation"] = observation
        info["messages"] = [m.model_dump(exclude_none=True) for m in observation.messages]
        info["tools"] = [t.model_dump() for t in self._tools]
        if result is None:  # reset
            info.setdefault("status", "running")
            info.setdefault("grade", None)
        else:  # Gymnasium's info is a dict: the step's typed outcome goes there
            info["status"] = result.status.value
            info["grade"] = result.grade.model_dump() if result.grade is not None else None
        info["task_id"] = self._task_id
        return info

    def _end_episode(self) -> None:
        episode, self._episode = self._episode, None
        if episode is not None:
            episode.close()

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
        if self._closed:
            raise InvalidRequest("this envgym Gymnasium environment is closed")
        if seed is None and self.initial_seed is not None:
            seed = self.initial_seed
        self.initial_seed = None
        super().reset(seed=seed)
        self._task_id = self._choose_task(options or {})
        # The episode seed comes from np_random, so reset(seed=s) reproduces the whole episode.
        episode_seed = int(self.np_random.integers(2**31 - 1))
        self._end_episode()
        self._episode = SyncEpisode(self.source.new_episode(), self._loop)
        result = self._episode.reset(self._task_id, episode_seed)
        if self._episode.session_id is not None:
            result.info.setdefault("session_id", self._episode.session_id)
        self._tools = list(result.observation.tools or [])
        self._last_text = fit_text(render_observation(result.observation), self.max_observation_chars)
        return self._last_text, self._info(result.observation, result.info)

    def step(self, action: Any) -> tuple[str, SupportsFloat, bool, bool, dict[str, Any]]:
        if self._episode is None:
            raise InvalidRequest("call reset() before step()")
        result = self._episode.step(parse_action(action))
        self._last_text = fit_text(render_observation(result.observation), self.max_observation_chars)
        return (
            self._last_text,
            float(result.reward),
            bool(result.terminated),
            bool(result.truncated),
            self._info(result.observation, result.info, result),
        )

    def render(self) -> str | None:
        return self._last_text if self.render_mode == "ansi" else None

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            try:
                self._end_episode()
                if self._owns_source:
                    self._loop.run(self.source.aclose())
            finally:
                self._loop.stop()
        super().close()


def make(
    env_id: str,
    *,
    url: str | None = None,
    token: str | None = None,
    task_id: str | None = None,
    suite: str | None = None,
    seed: int | None = None,
    options: dict[str, Any] | None = None,
    sandbox: str | None = None,
    max_turns: int | None = None,
    context: EnvContext | None = None,
    render_mode: str | None = None,
    max_observation_chars: int = DEFAULT_MAX_OBSERVATION_CHARS,
    max_action_chars: int = DEFAULT_MAX_ACTION_CHARS,
) -> EnvgymEnv:
    """A ``gymnasium.Env`` for ``env_id`` (``family``, ``family/suite`` or ``family/suite.task``).

    ``url`` (and ``token``) runs episodes in an envgym server instead of in this process.
    ``suite`` completes a bare family id; ``task_id`` pins every episode to one task; ``seed``
    seeds the first ``reset``'s task draw (a later ``reset(seed=...)`` overrides it); ``options``
    and ``max_turns`` go to the environment; ``sandbox``/``context`` pick the sandbox provider for
    in-process episodes (on a server, the server decides).

    Example:
        >>> env = make("debug/counter", task_id="count-to-1")
        >>> obs, info = env.reset()
        >>> [t["function"]["name"] for t in info["tools"]]
        ['increment', 'submit']
        >>> env.close()
    """
    if suite is not None:
        if EnvId.parse(env_id).suite is None:
            env_id = f"{env_id}/{suite}"
        else:
            try:
                EnvId.parse(env_id, suites=[suite])
            except UnknownEnvironment:
                raise InvalidRequest(f"suite={suite!r} contradicts the environment id {env_id!r}") from None
    env_options = dict(options or {})
    if max_turns is not None:
        env_options["max_turns"] = max_turns
    if url is not None and (sandbox is not None or context is not None):
        raise InvalidRequest("sandbox= and context= apply to in-process episodes; a server picks its own sandbox")
    loop = LoopThread(f"envgym-gym-{EnvId.parse(env_id).family}")
    try:
        source: EpisodeSource
        if url is not None:
            # Fails now, with the server's typed error (unknown_environment, unauthorized ...), not at reset.
            source = loop.run(RemoteTarget.open(url, env_id, token=token, options=env_options))
        else:
            # A sandbox choice gets a context of its own, which this env then owns and closes.
            local = LocalTarget(
                env_id, context or (EnvContext(sandbox=sandbox) if sandbox else default_context()), env_options
            )
            if task_id is not None:
                local.ref.get_task(task_id)  # fail now, with UnknownTask, rather than at the first reset
            source = local
        # ``family/suite.task`` pins the task, read with the source's suite names.
        pinned = task_id or EnvId.parse(env_id, [s.name for s in source.env_cls.suites()] or None).task_id
    except BaseException:
        loop.stop()
        raise
    env = EnvgymEnv(
        source,
        loop,
        pinned_task_id=pinned,
        owns_source=url is not None or (context is None and sandbox is not None),
        render_mode=render_mode,
        max_observation_chars=max_observation_chars,
        max_action_chars=max_action_chars,
    )
    env.initial_seed = seed
    make_kwargs = {
        k: v
        for k, v in dict(
            env_id=env_id,
            url=url,
            token=token,
            task_id=task_id,
            seed=seed,
            options=options,
            sandbox=sandbox,
            max_turns=max_turns,
            context=context,
            max_observation_chars=max_observation_chars,
            max_action_chars=max_action_chars,
        ).items()
        if v is not None
    }
    # A spec lets Gymnasium tools (the env checker, gymnasium.make(env.spec)) build this env again.
    # The arg-type error ignored here: Gymnasium calls entry_point(**kwargs), env_id among them; its EnvCreator
    # protocol (keywords only) does not admit make's env_id parameter, which a keyword fills all the same.
    env.spec = EnvSpec(
        GYMNASIUM_ID,
        entry_point=make,  # type: ignore[arg-type]
        kwargs=make_kwargs,
        nondeterministic=False,
        order_enforce=False,
        disable_env_checker=True,
    )
    return env


# ``gymnasium.make("envgym/Env-v0", env_id="debug/echo")`` works once envgym.adapters.gym is imported;
# Gymnasium passes env_id as a keyword (see make() above on the EnvSpec).
if GYMNASIUM_ID not in gymnasium.registry:
    gymnasium.register(GYMNASIUM_ID, entry_point=make, disable_env_checker=True, order_enforce=False)  # type: ignore[arg-type]
