"""The ``weighted`` grader: named component graders, weighted, with optional gates.

Config ``components``: a list of ``{"name", "grader", "config"?, "weight"? (default 1), "gate"? (default
False)}``. Every component grades the same task and submission. The reward is
``sum(weight * reward) / sum(weight)`` over all components — or 0 if any gate component did not
pass (a gate may also carry weight; with ``weight: 0`` it only gates). If any component has status
``grader_error``, so does the whole grade: a broken part never silently counts as 0. ``passed`` is
true when every gate passed and the reward is 1 (or ``pass_threshold``, if given).

Example:
    >>> from envgym.protocol import Task, Submission
    >>> t = Task(id="1", suite="demo", prompt="?", private={"answer": "42"})
    >>> g = WeightedGrader(components=[
    ...     {"name": "format", "grader": "regex", "config": {"pattern": "^\\\\d+$", "full": True}, "gate": True, "weight": 0},
    ...     {"name": "value", "grader": "numeric"}])
    >>> g.grade_sync(t, Submission(answer="42")).reward  # doctest: +SKIP
    1.0
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from envgym.context import EnvContext
from envgym.errors import GraderError
from envgym.grader import Grader, get_grader
from envgym.protocol import Grade, GradeComponent, GraderSpec, Submission, Task
from envgym.sandbox.base import Sandbox


class Component(BaseModel):
    name: str
    grader: str
    config: dict[str, Any] = Field(default_factory=dict)
    weight: float = Field(1.0, ge=0)
    gate: bool = False


class WeightedGrader(Grader):
    name = "weighted"
    summary = "A weighted sum of named component graders; gate components must pass for any reward."

    def __init__(self, **config: Any) -> None:
        super().__init__(**config)
        try:
            self.components = [Component.model_validate(c) for c in config.get("components") or []]
        except Exception as exc:
            raise GraderError(f"bad weighted configuration: {exc}") from exc
        if not self.components:
            raise GraderError("the weighted grader needs at least one component")
        names = [c.name for c in self.components]
        if len(set(names)) != len(names):
            raise GraderError(f"component names must be unique, got {names}")
        if sum(c.weight for c in self.components) <= 0:
            raise GraderError("the components' weights sum to 0")
        from envgym import registry

        # What any component reads, the composition needs (a missing field is refused, not scored 0).
        self.requires = frozenset().union(
            *(getattr(registry.load("graders", c.grader), "requires", frozenset()) for c in self.components)
        )

    async def grade(
        self, task: Task, submission: Submission, *, sandbox: Sandbox | None = None, context: EnvContext | None = None
    ) -> Grade:
        parts: list[tuple[Component, Grade]] = []
        for comp in self.components:
            try:
                grader = get_grader(GraderSpec(name=comp.grader, config=comp.config))
            except GraderError as exc:  # e.g. a pattern RE2 refuses: this component is broken, named below
                parts.append((comp, Grade.grader_error(exc.message)))
                continue
            parts.append((comp, await grader.safe_grade(task, submission, sandbox=sandbox, context=context)))
        components = [
            GradeComponent(
                name=c.name,
                reward=g.reward,
                weight=c.weight,
                passed=g.passed,
                details={
                    "grader": c.grader,
                    "gate": c.gate,
                    "status": g.status,
                    "error": g.error,
                    "details": g.details,
                },
            )
            for c, g in parts
        ]
        broken = [c.name for c, g in parts if g.status == "grader_error"]
        if broken:
            grade = Grade.grader_error(f"component(s) {', '.join(broken)} could not be graded")
            grade.components = components
            return grade
        gates_failed = [c.name for c, g in parts if c.gate and not g.passed]
        weighted = [(c.weight, g.reward) for c, g in parts if c.weight > 0]
        total = sum(w for w, _ in weighted)
        reward = 0.0 if gates_failed or total == 0 else sum(w * r for w, r in weighted) / total
        threshold = float(self.config.get("pass_threshold", 1.0))
        return Grade(
            reward=reward,
            passed=not gates_failed and reward >= threshold,
            components=components,
            details={"gates_failed": gates_failed},
        )
