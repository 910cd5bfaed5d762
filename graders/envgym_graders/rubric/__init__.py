"""Rubric grading with an LLM judge (docs/architecture.md §7). See docs/rubric.md.

* ``model`` — criteria kinds, ``Rubric``, the HealthBench-style ``score``;
* ``degenerate`` — answers that score 0 before any judge is asked;
* ``templates`` — the fixed, versioned judge prompt, answer fencing, strict verdict parsing;
* ``judge`` — the OpenAI-compatible judge client (retries, concurrency, majority vote);
* ``cache`` — the exact-match verdict cache (memory + sqlite);
* ``checks`` — programmatic criteria, ``python`` ones in a sandbox;
* ``grader`` — the ``rubric`` grader plugin;
* ``agreement`` — ``envgym judge-agreement``: agreement and Cohen's kappa of a judge against labels.

Example:
    >>> from envgym_graders.rubric import RubricGrader
    >>> RubricGrader.name
    'rubric'
"""

from envgym_graders.rubric.grader import RubricGrader
from envgym_graders.rubric.judge import Judge, JudgeConfig, JudgeEndpoint, get_judge
from envgym_graders.rubric.model import Criterion, CriterionVerdict, Rubric, score

__all__ = [
    "Criterion",
    "CriterionVerdict",
    "Judge",
    "JudgeConfig",
    "JudgeEndpoint",
    "Rubric",
    "RubricGrader",
    "get_judge",
    "score",
]
