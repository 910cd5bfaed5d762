"""Reference-solution policies that drive the tools by element ids found in the observations.

A step names an element by role and name as they appear in the page text (``[12] button "Submit"``);
the policy looks the id up in the latest observation and emits the tool call. A step whose element
is missing raises ``OracleStepFailed`` so a broken reference solution is loud, not a silent 0.

Example:
    >>> from envgym.protocol import Observation
    >>> policy = StepPolicy([("click", "button", "Go"), ("done",)])
    >>> obs = Observation(data={"page": 'Page:\\n[4] button "Go"'})
    >>> import asyncio; asyncio.run(policy.act(obs)).tool_calls[0].function.arguments
    '{"id": 4}'
"""

from __future__ import annotations

from typing import Any, Sequence

from envgym.kernel.environment import Policy
from envgym.protocol import Action, Observation
from envgym.protocol.errors import EnvgymError
from envgym_web.observe import Element, parse_elements


class OracleStepFailed(EnvgymError):
    code = "agent_error"


def page_text(observation: Observation) -> str:
    if observation.data and isinstance(observation.data.get("page"), str):
        return observation.data["page"]
    return "\n".join(m.text() for m in observation.messages)


def find(elements: Sequence[Element], role: str, name: str) -> Element:
    if name.startswith("~"):
        hits = [e for e in elements if e.role == role and name[1:] in e.name]
    else:
        hits = [e for e in elements if e.role == role and e.name == name]
    if not hits:
        seen = ", ".join(f'{e.role} "{e.name}"' for e in elements[:40])
        raise OracleStepFailed(f"reference solution: no {role} named {name!r} on the page; elements: {seen}")
    return hits[0]


def step_action(step: Sequence[Any], elements: Sequence[Element]) -> Action:
    kind = step[0]
    if kind == "click":
        return Action.call("click", id=find(elements, step[1], step[2]).id)
    if kind == "type":
        return Action.call("type", id=find(elements, step[1], step[2]).id, text=step[3], submit=bool(step[4]))
    if kind == "select":
        return Action.call(
            "select",
            id=find(elements, step[1], step[2]).id,
            option=list(step[3]) if isinstance(step[3], (list, tuple)) else step[3],
        )
    if kind == "drag":  # ("drag", (role, name), (role, name)): from one element onto another
        return Action.call("drag", from_id=find(elements, *step[1]).id, to_id=find(elements, *step[2]).id)
    if kind == "wait":  # ("wait", text): until the text is on the page
        return Action.call("wait", text=step[1])
    if kind == "goto":
        return Action.call("goto", url=step[1])
    if kind == "press":
        return Action.call("press", key=step[1])
    if kind == "answer":
        return Action.call("answer", text=step[1])
    if kind == "done":
        return Action.call("done")
    raise ValueError(f"unknown reference step {kind!r}")


class StepPolicy(Policy):
    """Plays a fixed list of element-addressed steps."""

    def __init__(self, steps: Sequence[Sequence[Any]]) -> None:
        self._steps = [tuple(s) for s in steps]

    async def act(self, observation: Observation) -> Action:
        if not self._steps:
            return Action.call("done")
        return step_action(self._steps.pop(0), parse_elements(page_text(observation)))
