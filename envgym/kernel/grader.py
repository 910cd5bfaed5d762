"""The grader base class. Graders are plugins in the entry-point group ``envgym.graders``.

A grader turns a task plus a submission (answer, files or trajectory) into a ``Grade``. When
grading itself breaks (a harness crash, a judge that does not answer) the grade has
``status="grader_error"``; it is never a silent reward of 0 (docs/architecture.md §7).

A grader that only computes on the submission's text implements the synchronous ``score``
instead of ``grade``: it then runs where a deadline can stop it (``envgym.kernel.bounded``: a worker
process with a CPU budget of ``cpu_budget_s``), or inline when ``score_is_cheap`` vouches that the
algorithm's bound makes this input cheap. An answer that overruns the budget scores 0, with the
reason in ``details``; the server's event loop never runs unbounded work on an agent's text.

Example:
    >>> class Exact(Grader):
    ...     name = "exact_demo"
    ...     async def grade(self, task, submission, *, sandbox=None, context=None):
    ...         return Grade.binary(submission.answer == task.private["answer"])
    >>> t = Task(id="1", suite="demo", prompt="1+1?", private={"answer": "2"})
    >>> Exact().grade_sync(t, Submission(answer="2")).reward
    1.0
    >>> class Length(Grader):
    ...     name = "length_demo"
    ...     def score(self, task, submission):
    ...         return Grade.binary(len(submission.answer or "") <= 3)
    ...     def score_is_cheap(self, task, submission):
    ...         return True
    >>> Length().grade_sync(t, Submission(answer="2")).reward
    1.0
"""

from __future__ import annotations

import abc
import math
import traceback
from typing import Any, ClassVar, Mapping, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from envgym.kernel import bounded, registry
from envgym.kernel.context import EnvContext
from envgym.kernel.settings import Settings, read_model
from envgym.kernel.sync import shared_loop
from envgym.protocol import Grade, GraderSpec, Submission, Task
from envgym.protocol.errors import EnvgymError, GraderError, InvalidRequest
from envgym.sandbox.base import Sandbox


class GraderConfig(BaseModel):
    """The base of a grader's ``config_model``: a key it does not declare is refused, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ScoreConfig(GraderConfig):
    """Config of a grader that implements ``score``: its CPU budget."""

    cpu_budget_s: float | None = Field(
        default=None, gt=0, description="CPU seconds one score() call may take (default: the grader's cpu_budget_s)"
    )


C = TypeVar("C", bound=GraderConfig)


def read_config(grader: str, config: Mapping[str, Any], model: type[C]) -> C:
    """``config`` as ``model`` (its defaults for keys not given); ``GraderError`` naming the grader,
    the key and the valid keys when a key is no field of ``model`` or its value has the wrong type.

    Example:
        >>> class Toy(GraderConfig):
        ...     strict: bool = True
        >>> read_config("toy", {}, Toy).strict
        True
        >>> read_config("toy", {"strcit": False}, Toy)
        Traceback (most recent call last):
        ...
        envgym.protocol.errors.GraderError: [grader_error] unknown config key 'toy.strcit'; did you mean 'toy.strict'? The toy config keys are: toy.strict
    """
    return read_model(model, grader, config, "config key", GraderError)


class Grader(abc.ABC):
    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    cpu_budget_s: ClassVar[float] = bounded.DEFAULT_CPU_S  # per score() call; config "cpu_budget_s" overrides
    # Its `--set name.key` host settings (envgym/kernel/settings.py).
    settings_model: ClassVar[type[Settings] | None] = None
    # Its GraderSpec.config, read once into ``cfg`` (None: a third-party grader reads ``self.config`` itself).
    config_model: ClassVar[type[GraderConfig] | None] = None
    cfg: Any
    # Submission fields this grader cannot do without: set on the class, or per instance by a composite
    # (weighted: whatever its components need).
    requires: frozenset[str] = frozenset()

    def __init__(self, **config: Any) -> None:
        self.config = config
        if self.config_model is not None:
            self.cfg = read_config(self.name or type(self).__name__, config, self.config_model)

    def check_submission(self, submission: Submission) -> None:
        """Refuse (``InvalidRequest``, HTTP 422) a submission that lacks a field this grader reads,
        instead of scoring it a silent 0. Hosts call it before grading a client's submission."""
        missing = sorted(f for f in self.requires if getattr(submission, f, None) is None)
        if missing:
            raise InvalidRequest(
                f"the {self.name or type(self).__name__} grader reads submission.{missing[0]}, which this "
                f"submission lacks (it has: {', '.join(k for k, v in submission if v is not None) or 'nothing'})",
                details={"missing": [f"submission.{f}" for f in missing]},
            )

    async def grade(
        self, task: Task, submission: Submission, *, sandbox: Sandbox | None = None, context: EnvContext | None = None
    ) -> Grade:
        """Grade one submission. Raise ``GraderError`` (or return ``Grade.grader_error``) when grading breaks.

        The default runs ``score`` bounded (module docstring); graders that use a sandbox, a judge
        or other I/O override this instead."""
        if type(self).score is Grader.score:
            raise NotImplementedError(f"{type(self).__name__} implements neither grade() nor score()")
        budget = float(self.config.get("cpu_budget_s", self.cpu_budget_s))  # checked by ScoreConfig, if declared
        try:
            return await bounded.run_bounded(
                self.score,
                task,
                submission,
                inline=self.score_is_cheap(task, submission),
                cpu_s=budget,
                what=f"grader {self.name or type(self).__name__}",
            )
        except bounded.OverBudget as exc:
            return Grade(reward=0.0, passed=False, details={"reason": f"{exc}; the answer scores 0"})
        except (bounded.WorkerTimeout, bounded.WorkerCrashed) as exc:
            raise GraderError(str(exc)) from exc

    def score(self, task: Task, submission: Submission) -> Grade:
        """Synchronous, side-effect-free grading of the submission's content (see the module docstring).
        Runs in a worker process unless ``score_is_cheap``, so the grader must pickle (plain config)."""
        raise NotImplementedError

    def score_is_cheap(self, task: Task, submission: Submission) -> bool:
        """True when ``score`` is provably cheap for this input (then it runs inline, without the
        ~0.1 ms round trip to a worker). The default trusts no input."""
        return False

    async def safe_grade(
        self, task: Task, submission: Submission, *, sandbox: Sandbox | None = None, context: EnvContext | None = None
    ) -> Grade:
        """``grade`` with every failure turned into a ``grader_error`` grade and the reward clamped to be finite."""
        who = self.name or type(self).__name__
        try:
            grade = await self.grade(task, submission, sandbox=sandbox, context=context)
        except EnvgymError as exc:
            return Grade.grader_error(f"{who}: {exc.message}", code=exc.code, **exc.details)
        except Exception as exc:  # noqa: BLE001 — a crashing grader must not crash the episode
            return Grade.grader_error(f"{who} crashed: {type(exc).__name__}: {exc}", traceback=traceback.format_exc())
        return checked_reward(grade, who)

    def grade_sync(self, task: Task, submission: Submission, **kwargs: Any) -> Grade:
        return shared_loop().run(self.safe_grade(task, submission, **kwargs))


def checked_reward(grade: Grade, who: str) -> Grade:
    """``grade`` if its reward is a finite number in [0, 1], else a ``grader_error`` naming ``who``:
    a reward outside the range is a broken grader, never a reward a trainer may see. A
    ``grader_error`` grade keeps its error and details but has reward 0 and does not pass, whatever
    the grader put there (a NaN would not even serialise).

    Example:
        >>> checked_reward(Grade(reward=0.5), "mine").reward
        0.5
        >>> checked_reward(Grade(reward=5.0), "mine").error
        'mine produced the reward 5.0, outside [0, 1]'
        >>> checked_reward(Grade(status="grader_error", error="judge down", reward=1.0, passed=True), "mine")
        Grade(reward=0.0, passed=False, components=[], details=None, status='grader_error', error='judge down')
    """
    if grade.status == "grader_error":
        return grade.model_copy(update={"reward": 0.0, "passed": False})
    if not math.isfinite(grade.reward):
        return Grade.grader_error(f"{who} produced a non-finite reward {grade.reward!r}")
    if not 0.0 <= grade.reward <= 1.0:
        return Grade.grader_error(f"{who} produced the reward {grade.reward!r}, outside [0, 1]")
    return grade


def get_grader(spec: GraderSpec | str, **config: Any) -> Grader:
    """Instantiate a grader plugin by spec or name (config from the spec, overridden by ``config``)."""
    if isinstance(spec, str):
        spec = GraderSpec(name=spec)
    cls = registry.load("graders", spec.name)
    try:
        grader: Grader = cls(**{**spec.config, **config})
        return grader
    except TypeError as exc:
        raise GraderError(
            f"bad configuration for grader {spec.name!r}: {exc}", details={"config": spec.config}
        ) from exc
