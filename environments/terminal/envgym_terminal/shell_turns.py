"""What the terminal and swe episodes share around their ``bash`` tool: the episode's wall-time
limit, the time budget of one turn's commands (envgym/kernel/step_budget.py), and the calls turned away
when either is used up.

Example:
    >>> from envgym.protocol import Action
    >>> turns = ShellTurns()
    >>> turns.deadline, turns.budget = None, StepBudget(None)
    >>> turns.refuse(Action.call("bash", command="ls").tool_calls[0]) is None
    True
    >>> turns.deadline = 0.0
    >>> turns.refuse(Action.call("bash", command="ls").tool_calls[0])
    'Error: the time limit is reached; the command was not run'
"""

from __future__ import annotations

import time

from envgym.kernel.step_budget import StepBudget
from envgym.protocol import StepResult, ToolCall


class ShellTurns:
    """Mixed into a shell episode, which sets ``deadline`` (monotonic seconds, or None) at reset and
    ``budget`` at the start of every turn."""

    deadline: float | None = None
    budget: StepBudget

    def time_left(self) -> float:
        return (self.deadline - time.monotonic()) if self.deadline is not None else float("inf")

    def refuse(self, call: ToolCall) -> str | None:
        """The answer to a command call that must not run now; None when it may (``submit`` always may)."""
        if call.function.name == "submit":
            return None
        if self.time_left() <= 0:
            return "Error: the time limit is reached; the command was not run"
        if self.budget.spent():
            return (
                "Error: this step's time budget is used up, so the command was not run; send it again in the next step"
            )
        return None

    def mark_wall_time(self, result: StepResult) -> StepResult:
        # Only marked here: the episode's step() ends it, with a grade of the final state.
        if self.time_left() <= 0:
            result.info["wall_time_exceeded"] = True
        return result


def nonempty_command(command: str) -> str:
    """The command of a bash call; ``ValueError`` (answered to the model) when it is blank."""
    if not command.strip():
        raise ValueError("bash needs a non-empty string `command`")
    return command
