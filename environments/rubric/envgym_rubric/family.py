"""The ``rubric`` environment family: single-turn tasks graded by a weighted rubric.

Suites (package data under ``envgym_rubric/suites/*.yaml``, one file per suite): ``explanation``,
``summarisation``, ``technical-writing``, ``planning``, ``safety-advice``. Each task has 4–10
criteria mixing ``llm`` and programmatic kinds and a reference answer in ``Task.private``.

The episode is one turn: the agent's reply text is the answer. It is graded by the ``rubric``
grader with the judge configured in ``EnvContext.settings`` (``rubric.judge_base_url``,
``rubric.judge_model``, ``rubric.judge_api_key_env``, ...) or the ``ENVGYM_RUBRIC_JUDGE_*``
environment variables; a judge failure ends the episode as ``grader_error``. The oracle plays
the reference answer; ``nop`` sends an empty reply, which scores 0 by the degenerate-answer rule.

Example:
    >>> task = RubricEnvironment.get_task("explanation", "tcp-handshake")
    >>> task.grader.name
    'rubric'
"""

from __future__ import annotations

import contextlib
import copy
import functools
from importlib import resources
from typing import Any, Iterator, Sequence

import yaml

from envgym.kernel.environment import DemoSetup, Environment, Policy, ScriptedPolicy
from envgym.protocol import Action, GraderSpec, Observation, StepResult, Submission, SuiteInfo, Task
from envgym_graders.rubric.judge import RubricSettings
from envgym_graders.rubric.model import PROGRAMMATIC_KINDS, Rubric

SUITE_FILES = {
    "explanation": "explanation.yaml",
    "summarisation": "summarisation.yaml",
    "technical-writing": "technical_writing.yaml",
    "planning": "planning.yaml",
    "safety-advice": "safety_advice.yaml",
}
MIN_CRITERIA, MAX_CRITERIA = 4, 10


class SuiteFileError(ValueError):
    """A suite file breaks the family's rules (reported with the file and task id)."""


@functools.lru_cache(maxsize=None)
def _read_suite(suite: str) -> dict[str, Any]:
    # suites() is called on every task lookup; parse each package-data file once per process.
    text = (resources.files("envgym_rubric") / "suites" / SUITE_FILES[suite]).read_text(encoding="utf-8")
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def build_task(suite: str, raw: dict[str, Any]) -> Task:
    """One task record from its YAML entry, validated against the family's rules."""
    where = f"{SUITE_FILES[suite]}:{raw.get('id', '?')}"
    task_id = str(raw["id"])
    if "." in task_id or "/" in task_id:
        raise SuiteFileError(f"{where}: task ids may not contain '.' or '/'")
    rubric = Rubric.model_validate({"criteria": raw["criteria"], "pass_threshold": raw.get("pass_threshold", 0.6)})
    kinds = [c.kind for c in rubric.criteria]
    if not MIN_CRITERIA <= len(kinds) <= MAX_CRITERIA:
        raise SuiteFileError(f"{where}: {len(kinds)} criteria; the family needs {MIN_CRITERIA}-{MAX_CRITERIA}")
    if "llm" not in kinds or not any(k in PROGRAMMATIC_KINDS for k in kinds):
        raise SuiteFileError(f"{where}: criteria must mix llm and programmatic kinds, got {sorted(set(kinds))}")
    reference = str(raw.get("reference") or "").strip()
    if not reference:
        raise SuiteFileError(f"{where}: no reference answer")
    return Task(
        id=task_id,
        suite=suite,
        prompt=str(raw["prompt"]).strip(),
        private={"rubric": rubric.model_dump(mode="json"), "reference": reference},
        grader=GraderSpec(name="rubric"),
        metadata={
            "category": suite,
            "title": raw.get("title", task_id),
            "criteria": len(kinds),
            "llm_criteria": kinds.count("llm"),
            "kinds": sorted(set(kinds)),
        },
    )


class RubricEnvironment(Environment):
    version = "1.0.0"
    summary = "Single-turn writing tasks (explain, summarise, document, plan, advise) graded by a weighted rubric and an LLM judge."
    settings_model = RubricSettings  # the rubric grader's judge settings, listed by `envgym info rubric`
    text_actions = "the whole reply text is the answer"
    default_max_turns = 1

    @classmethod
    def suites(cls) -> list[SuiteInfo]:
        infos = []
        for name in SUITE_FILES:
            data = _read_suite(name)
            infos.append(
                SuiteInfo(
                    name=name,
                    version=str(data.get("version", "1")),
                    description=data.get("description", ""),
                    size=len(data.get("tasks", [])),
                )
            )
        return infos

    @classmethod
    def load_tasks(cls, suite: str) -> Sequence[Task]:
        data = copy.deepcopy(_read_suite(suite))
        tasks = [build_task(suite, raw) for raw in data.get("tasks", [])]
        ids = [t.id for t in tasks]
        if len(set(ids)) != len(ids):
            raise SuiteFileError(f"{SUITE_FILES[suite]}: duplicate task ids")
        return tasks

    @classmethod
    @contextlib.contextmanager
    def demo_setup(cls) -> Iterator[DemoSetup]:
        """Grade the demo with the STAND-IN judge (keyword matching, not a real judge), run in this process."""
        from envgym_rubric.standin_judge import MODEL_NAME, StandinJudge

        with StandinJudge() as judge:
            yield DemoSetup(
                settings={"rubric.judge_base_url": judge.base_url, "rubric.judge_model": MODEL_NAME},
                note=f"graded by the STAND-IN judge at {judge.base_url} (keyword matching for demos, not a real judge)",
            )

    @classmethod
    def oracle_policy(cls, task: Task) -> Policy:
        return ScriptedPolicy([Action(content=task.private["reference"])])

    @classmethod
    def adversary_attacks(cls, task: Task) -> list:
        """Judge-template attacks for ``envgym check --adversary`` (envgym_rubric/adversary.py)."""
        from envgym_rubric.adversary import attacks

        return attacks(task)

    async def on_reset(self, task: Task, seed: int | None) -> Observation:
        return Observation.user(task.prompt)

    async def on_step(self, action: Action) -> StepResult:
        grade = await self.grade(Submission(answer=action.text()))
        return self.finish(grade)
