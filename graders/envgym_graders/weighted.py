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

from pydantic import BaseModel, ConfigDict, Field

from envgym.kernel.context import EnvContext
from envgym.kernel.grader import Grader, GraderConfig, get_grader, read_config
from envgym.protocol import Grade, GradeComponent, GraderSpec, Submission, Task
from envgym.protocol.errors import GraderError
from envgym.sandbox.base import Sandbox


class Component(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    grader: str
    config: dict[str, Any] = Field(default_factory=dict)
    weight: float = Field(1.0, ge=0)
    gate: bool = False


class WeightedConfig(GraderConfig):
    components: list[Component] = Field(default_factory=list, description="the component graders")
    pass_threshold: float = Field(1.0, description="the reward at or above which the grade passes")


class WeightedGrader(Grader):
    name = "weighted"
    summary = "A weighted sum of named component graders; gate components must pass for any reward."
    config_model = WeightedConfig
    cfg: WeightedConfig

    def __init__(self, **config: Any) -> None:
        super().__init__(**config)
        self.components = self.cfg.components
        if not self.components:
            raise GraderError("the weighted grader needs at least one component")
        names = [c.name for c in self.components]
        if len(set(names)) != len(names):
            raise GraderError(f"component names must be unique, got {names}")
        if sum(c.weight for c in self.components) <= 0:
            raise GraderError("the components' weights sum to 0")
        from envgym.kernel import registry

        classes = [registry.load("graders", c.grader) for c in self.components]
        for c, cls in zip(self.components, classes):  # a component's config key typo is refused here, too
            if getattr(cls, "config_model", None) is not None:
                read_config(f"{self.name}.{c.name}.{c.grader}", c.config, cls.config_model)
        # What any component reads, the composition needs (a missing field is refused, not scored 0).
        self.requires = frozenset().union(*(getattr(cls, "requires", frozenset()) for cls in classes))

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
        threshold = self.cfg.pass_threshold
        return Grade(
            reward=reward,
            passed=not gates_failed and reward >= threshold,
            components=components,
            details={"gates_failed": gates_failed},
        )
