"""The ``rubric`` grader plugin: criteria judged by programmatic checks and an LLM judge.

The rubric comes from the grader config (``rubric``) or from the task's ``private["rubric"]``
(``{"criteria": [...], "pass_threshold": 0.6}``). The answer is ``submission.answer``, or the text
of the last assistant message of ``submission.trajectory``.

Order of work: a degenerate answer (see ``degenerate.py``) scores 0 at once — no check, no judge;
then the programmatic criteria; then the ``llm`` criteria through the judge configured by the
grader config's ``judge`` (a ``JudgeConfig`` dict), else ``rubric.judge_*`` in
``EnvContext.settings``, else ``ENVGYM_RUBRIC_JUDGE_*`` environment variables. A rubric with
``llm`` criteria and no judge configured, a failed judge, or a broken python check gives a
``grader_error`` grade — never a reward of 0.

The ``Grade`` has one component per criterion (reward 1/0 = met/not met, the criterion's weight,
the judge's reasoning or the check's explanation in ``details``); ``details`` has the points and
the formula. ``passed`` is ``reward >= pass_threshold``.

Example:
    >>> task = Task(id="t", suite="s", prompt="Name the capital of France.",
    ...             private={"rubric": {"criteria": [{"kind": "contains", "value": "Paris", "description": "names Paris"}]}})
    >>> RubricGrader().grade_sync(task, Submission(answer="Paris.")).reward
    1.0
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, ValidationError

from envgym.kernel.context import EnvContext, default_context
from envgym.kernel.grader import Grader, GraderConfig
from envgym.protocol import Grade, GradeComponent, Submission, Task
from envgym.protocol.errors import GraderError
from envgym.sandbox.base import Sandbox
from envgym_graders.rubric.checks import check_text, run_python_checks
from envgym_graders.rubric.degenerate import degenerate_reason
from envgym_graders.rubric.judge import JudgeConfig, RubricSettings, get_judge
from envgym_graders.rubric.model import CriterionVerdict, LlmCriterion, PythonCriterion, Rubric, score
from envgym_graders.rubric.templates import TEMPLATE_VERSION

FORMULA = "clip(sum of weights of met criteria / sum of positive weights, 0, 1)"
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def answer_text(submission: Submission) -> str:
    """The text being graded: the answer, else the last assistant message of the trajectory."""
    if submission.answer is not None:
        return submission.answer
    for message in reversed(submission.trajectory or []):
        if message.role == "assistant":
            return message.text()
    return ""


class RubricConfig(GraderConfig):
    rubric: Rubric | None = Field(None, description="the criteria; default: task.private['rubric']")
    judge: JudgeConfig | None = Field(None, description="the judge; default: rubric.judge_* settings, then env vars")
    pass_threshold: float | None = Field(None, ge=0, le=1, description="default: the rubric's pass_threshold")


class RubricGrader(Grader):
    name = "rubric"
    settings_model = RubricSettings
    summary = "Weighted rubric: programmatic checks plus an LLM judge over an OpenAI-compatible endpoint."
    config_model = RubricConfig
    cfg: RubricConfig

    def _rubric(self, task: Task) -> Rubric:
        raw = self.cfg.rubric or task.private.get("rubric")
        if raw is None:
            raise GraderError(f"task {task.id!r} has no rubric (expected private['rubric'] or grader config 'rubric')")
        try:
            return raw if isinstance(raw, Rubric) else Rubric.model_validate(raw)
        except ValidationError as exc:
            raise GraderError(f"task {task.id!r} has an invalid rubric: {exc}") from None

    def _judge_config(self, context: EnvContext) -> JudgeConfig | None:
        if self.cfg.judge is not None:
            return self.cfg.judge
        try:
            return JudgeConfig.from_settings(context.settings)
        except ValidationError as exc:
            raise GraderError(f"invalid judge configuration: {exc}") from None

    async def grade(
        self, task: Task, submission: Submission, *, sandbox: Sandbox | None = None, context: EnvContext | None = None
    ) -> Grade:
        context = context or default_context()
        rubric = self._rubric(task)
        threshold = rubric.pass_threshold if self.cfg.pass_threshold is None else self.cfg.pass_threshold
        # A lone surrogate (JSON "\ud800") is not text and no judge request can carry it: U+FFFD stands in.
        answer = _LONE_SURROGATE.sub("\ufffd", answer_text(submission))
        details: dict[str, Any] = {
            "formula": FORMULA,
            "points_possible": rubric.points_possible,
            "pass_threshold": threshold,
        }

        reason = degenerate_reason(answer, rubric.max_answer_chars)
        if reason is not None:
            note = (
                f"not judged: the answer has {len(answer)} characters, over the limit of {rubric.max_answer_chars}"
                if reason == "too_long"
                else "not judged: degenerate answer"
            )
            components = [self._component(c, None, note) for c in rubric.criteria]
            return Grade(
                reward=0.0,
                passed=False,
                components=components,
                details={**details, "degenerate": reason, "points_earned": 0.0, "judge_calls": 0},
            )

        verdicts: dict[str, CriterionVerdict] = {}
        for criterion in rubric.criteria:
            if not isinstance(criterion, (LlmCriterion, PythonCriterion)):
                verdicts[criterion.id] = check_text(criterion, answer)
        python = [c for c in rubric.criteria if isinstance(c, PythonCriterion)]
        for verdict in await run_python_checks(python, answer, context):
            verdicts[verdict.criterion_id] = verdict

        llm = rubric.llm_criteria
        judge_info: dict[str, Any] = {"template": TEMPLATE_VERSION}
        if llm:
            config = self._judge_config(context)
            if config is None:
                raise GraderError(
                    f"task {task.id!r} has {len(llm)} llm criteria but no judge is configured: set the "
                    "settings rubric.judge_base_url and rubric.judge_model (or the environment variables "
                    "ENVGYM_RUBRIC_JUDGE_BASE_URL and ENVGYM_RUBRIC_JUDGE_MODEL)",
                    details={"judge_failure": "not_configured"},
                )
            judge = get_judge(config)
            calls_before, hits_before = judge.calls, judge.cache_hits
            try:
                judged = await judge.judge_all(task.prompt, llm, answer)
            except GraderError as exc:
                done = {cid: {"met": v.met, "reasoning": v.reasoning} for cid, v in verdicts.items()}
                raise GraderError(exc.message, details={**exc.details, "programmatic_verdicts": done}) from None
            for verdict in judged:
                verdicts[verdict.criterion_id] = verdict
            judge_info.update(
                models=[j.model for j in config.judges],
                samples=config.samples,
                calls=judge.calls - calls_before,
                cache_hits=judge.cache_hits - hits_before,
            )

        ordered = [verdicts[c.id] for c in rubric.criteria]
        result = score(ordered, rubric)
        components = [self._component(c, verdicts[c.id]) for c in rubric.criteria]
        details.update(points_earned=result.earned, degenerate=None, judge=judge_info)
        return Grade(reward=result.reward, passed=result.reward >= threshold, components=components, details=details)

    @staticmethod
    def _component(criterion: Any, verdict: CriterionVerdict | None, note: str = "") -> GradeComponent:
        info: dict[str, Any] = {
            "kind": criterion.kind,
            "description": criterion.description,
            "met": verdict.met if verdict else None,
            "reasoning": verdict.reasoning if verdict else note,
        }
        if verdict is not None and verdict.votes is not None:
            info["votes"] = verdict.votes
        if verdict is not None and criterion.kind == "llm":
            info["cached"] = verdict.cached
        met = bool(verdict and verdict.met)
        return GradeComponent(
            name=criterion.id,
            reward=1.0 if met else 0.0,
            weight=criterion.weight,
            passed=met if criterion.weight > 0 else not met,
            details=info,
        )
