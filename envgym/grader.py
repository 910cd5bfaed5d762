"""The grader base class. Graders are plugins in the entry-point group ``envgym.graders``.

A grader turns a task plus a submission (answer, files or trajectory) into a ``Grade``. When
grading itself breaks (a harness crash, a judge that does not answer) the grade has
``status="grader_error"``; it is never a silent reward of 0 (DESIGN.md §7).

Example:
    >>> class Exact(Grader):
    ...     name = "exact_demo"
    ...     async def grade(self, task, submission, *, sandbox=None, context=None):
    ...         return Grade.binary(submission.answer == task.private["answer"])
    >>> t = Task(id="1", suite="demo", prompt="1+1?", private={"answer": "2"})
    >>> Exact().grade_sync(t, Submission(answer="2")).reward
    1.0
"""

from __future__ import annotations

import abc
import traceback
from typing import Any, ClassVar

from envgym.context import EnvContext
from envgym.errors import EnvgymError, GraderError
from envgym.protocol import Grade, GraderSpec, Submission, Task
from envgym.sandbox.base import Sandbox
from envgym.sync import shared_loop


class Grader(abc.ABC):
    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""

    def __init__(self, **config: Any) -> None:
        self.config = config

    @abc.abstractmethod
    async def grade(self, task: Task, submission: Submission, *, sandbox: Sandbox | None = None,
                    context: EnvContext | None = None) -> Grade:
        """Grade one submission. Raise ``GraderError`` (or return ``Grade.failed``) when grading breaks."""

    async def safe_grade(self, task: Task, submission: Submission, *, sandbox: Sandbox | None = None,
                         context: EnvContext | None = None) -> Grade:
        """``grade`` with every failure turned into a ``grader_error`` grade and the reward clamped to be finite."""
        try:
            grade = await self.grade(task, submission, sandbox=sandbox, context=context)
        except EnvgymError as exc:
            return Grade.failed(f"{self.name or type(self).__name__}: {exc.message}", code=exc.code, **exc.details)
        except Exception as exc:  # noqa: BLE001 — a crashing grader must not crash the episode
            return Grade.failed(f"{self.name or type(self).__name__} crashed: {type(exc).__name__}: {exc}",
                                traceback=traceback.format_exc())
        if grade.reward != grade.reward or grade.reward in (float("inf"), float("-inf")):
            return Grade.failed(f"{self.name} produced a non-finite reward {grade.reward!r}")
        return grade

    def grade_sync(self, task: Task, submission: Submission, **kwargs: Any) -> Grade:
        return shared_loop().run(self.safe_grade(task, submission, **kwargs))


def get_grader(spec: GraderSpec | str, **config: Any) -> Grader:
    """Instantiate a grader plugin by spec or name (config from the spec, overridden by ``config``)."""
    from envgym import registry

    if isinstance(spec, str):
        spec = GraderSpec(name=spec)
    cls = registry.load("graders", spec.name)
    try:
        return cls(**{**spec.config, **config})
    except TypeError as exc:
        raise GraderError(f"bad configuration for grader {spec.name!r}: {exc}", details={"config": spec.config}) from exc
