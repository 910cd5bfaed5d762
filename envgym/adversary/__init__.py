"""The adversary: a reward hacker that any task author can point at their own tasks (issue 14).

``envgym check NAME --adversary`` (``envgym.testing.check_adversary``) plays, on every task, every
attack the task's action interface allows — reward files, left-behind writers, planted harness
config, module and PATH shadows, git config programs, trojans, mode changes, a full disk, signals,
huge output, constant/degenerate/injected answers, code payloads, malformed tool calls — and fails
if any scores above 0 or ends in an error status. See docs/adversary.md.

A family can add attacks for its own interface with an optional class method::

    @classmethod
    def adversary_attacks(cls, task: Task) -> list[envgym.adversary.Attack]: ...

Example:
    >>> from envgym.protocol import Action
    >>> Attack("web.script-url", ("family",), "navigates to a javascript: URL",
    ...        [Action.call("goto", url="javascript:alert(1)")]).classes
    ('family',)
"""

from envgym.adversary.agent import AdversaryAgent, parse_classes
from envgym.adversary.interface import Interface, interface_of
from envgym.adversary.model import ATTACK_CLASSES, Attack, AttackResult, SkippedAttack
from envgym.adversary.plans import plan_attacks

__all__ = [
    "ATTACK_CLASSES",
    "AdversaryAgent",
    "Attack",
    "AttackResult",
    "Interface",
    "SkippedAttack",
    "interface_of",
    "parse_classes",
    "plan_attacks",
]
