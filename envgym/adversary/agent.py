"""The ``adversary`` agent plugin: plays one attack per episode and records its evidence.

``envgym check NAME --adversary`` runs it over every task and attack. On its own (e.g. ``envgym eval
--agent adversary --agent-set attack=shell.hunt``) it plans the task's attacks from the episode's
tools and plays the one named by ``attack`` (default: the first). Its configuration:

* ``attack`` — the attack's name (``shell.hunt``, ``answer.judge``, ... as ``envgym check --adversary``
  lists them), or an ``Attack`` object;
* ``attacks`` — the attack classes to plan from (a comma list or a list; default: all);
* ``isolated`` — whether the sandbox provider isolates what runs in it (default True). Set it to
  false for a provider that runs commands on the host (``process``): attacks that fill the disk,
  signal every process or take modes away are then not played.

What the attack printed goes to ``AgentEpisode.extra["adversary"]`` (``confirmed``, ``evidence``).

Example:
    >>> from envgym.builtin.debug import DebugEnvironment
    >>> task = DebugEnvironment.get_task("echo", "echo-0")
    >>> episode = AdversaryAgent(attack="answer.judge").start_episode(task, DebugEnvironment, [])
    >>> episode.attack.classes
    ('answer_injection',)
"""

from __future__ import annotations

from typing import Any

from envgym.adversary.model import ATTACK_CLASSES, Attack
from envgym.adversary.plans import plan_attacks
from envgym.agents.base import Agent, AgentEpisode, AgentLimitReached
from envgym.kernel.environment import Environment
from envgym.protocol import Action, Observation, Task, Tool
from envgym.protocol.errors import InvalidRequest

MAX_FINISH_ATTEMPTS = 3


class EpisodeWillNotEnd(AgentLimitReached):
    """The adversary played its attack and asked to finish several times, and the episode went on."""

    code = "episode_will_not_end"


def parse_classes(value: str | list[str] | set[str] | None) -> set[str]:
    """Attack classes from a comma list (or a list); every known class when empty."""
    if not value:
        return set(ATTACK_CLASSES)
    names = [v.strip() for v in (value.split(",") if isinstance(value, str) else value) if v.strip()]
    unknown = [n for n in names if n not in ATTACK_CLASSES]
    if unknown:
        raise InvalidRequest(
            f"unknown attack class {', '.join(unknown)}; known: {', '.join(ATTACK_CLASSES)}",
            details={"unknown": unknown, "known": list(ATTACK_CLASSES)},
        )
    return set(names)


def family_attacks(env_cls: type[Environment], task: Task) -> list[Attack]:
    """The family's own attacks for ``task`` (``Environment.adversary_attacks``), if it offers any."""
    hook = getattr(env_cls, "adversary_attacks", None)
    return list(hook(task)) if hook is not None else []


class AttackEpisode(AgentEpisode):
    def __init__(self, attack: Attack) -> None:
        super().__init__()
        self.attack = attack
        self._queue = list(attack.actions)
        self._texts: list[str] = []
        self._finishes = 0
        self._record()

    def _record(self) -> None:
        confirmed, evidence = self.attack.evidence(self._texts)
        self.extra["adversary"] = {
            "attack": self.attack.name,
            "classes": list(self.attack.classes),
            "confirmed": confirmed,
            "evidence": evidence,
            "actions_left": len(self._queue),
        }

    async def act(self, observation: Observation) -> Action:
        self._texts += [m.text() for m in observation.messages if m.role in ("tool", "user")]
        if self._queue:
            action = self._queue.pop(0)
        else:
            if self._finishes >= MAX_FINISH_ATTEMPTS:
                raise EpisodeWillNotEnd(
                    f"attack {self.attack.name!r} was played and the episode did not end after "
                    f"{MAX_FINISH_ATTEMPTS} attempts to finish it"
                )
            self._finishes += 1
            action = self.attack.finish or Action(content="")
        self._record()
        return action


class AdversaryAgent(Agent):
    name = "adversary"
    summary = (
        "Reward hacker for testing graders: plays one attack per episode (envgym check --adversary runs them all)."
    )

    def __init__(
        self,
        attack: str | Attack | None = None,
        attacks: str | list[str] | None = None,
        isolated: bool = True,
        **config: Any,
    ) -> None:
        super().__init__(
            attack=attack if isinstance(attack, str) or attack is None else attack.name,
            attacks=attacks,
            isolated=isolated,
            **config,
        )
        self.attack = attack
        self.classes = parse_classes(attacks)
        self.isolated = isolated if isinstance(isolated, bool) else str(isolated).lower() in ("1", "true", "yes")

    def start_episode(self, task: Task, env_cls: type[Environment], tools: list[Tool]) -> AgentEpisode:
        if isinstance(self.attack, Attack):
            return AttackEpisode(self.attack)
        planned, _ = plan_attacks(
            task, tools, classes=self.classes, isolated=self.isolated, family_attacks=family_attacks(env_cls, task)
        )
        if not planned:
            raise InvalidRequest(f"no attack applies to task {task.id!r} with the classes chosen")
        chosen = planned[0] if self.attack is None else next((a for a in planned if a.name == self.attack), None)
        if chosen is None:
            raise InvalidRequest(
                f"attack {self.attack!r} does not apply to task {task.id!r}; its attacks: "
                f"{', '.join(a.name for a in planned)}"
            )
        return AttackEpisode(chosen)


__all__ = ["AdversaryAgent", "AttackEpisode", "EpisodeWillNotEnd", "family_attacks", "parse_classes"]
