"""Reference solutions for MiniWoB++ tasks: one solver per task, grouped by kind of task.

Each solver reads the generated problem from the goal and the page text (never a fixed answer)
and acts through the environment's tools, so it works for every seed and uses nothing an agent
could not. ``SOLVERS`` maps task names to solvers; ``SolverPolicy`` plays one as the oracle.

Example:
    >>> "click-test" in SOLVERS
    True
"""

from __future__ import annotations

from envgym.kernel.environment import Policy
from envgym.protocol import Action, Observation
from envgym_web.miniwob_solvers import apps, clicks, drag, forms, puzzles
from envgym_web.miniwob_solvers.page import Page, Solver, SolverFailed

SOLVERS: dict[str, Solver] = {**clicks.SOLVERS, **forms.SOLVERS, **puzzles.SOLVERS, **apps.SOLVERS, **drag.SOLVERS}


class SolverPolicy(Policy):
    """Drives one solver generator: each observation is parsed and sent in, the next action comes out."""

    def __init__(self, solver: Solver) -> None:
        self._solver = solver
        self._run = None  # type: ignore[var-annotated]

    async def act(self, observation: Observation) -> Action:
        page = Page.from_observation(observation)
        try:
            if self._run is None:
                self._run = self._solver(page)
                return next(self._run)
            return self._run.send(page)
        except StopIteration:
            return Action.call("done")


__all__ = ["SOLVERS", "SolverFailed", "SolverPolicy", "Page"]
