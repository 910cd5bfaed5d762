"""The rubric model: criteria, their kinds, and how verdicts become a reward.

A rubric is a list of criteria. Each has a ``description``, a non-zero ``weight`` (negative = a
thing that must NOT appear: meeting it costs points) and a ``kind``: ``llm`` (a judge model
decides) or a programmatic check (``contains``, ``regex``, ``max_words``, ``json_schema``,
``python``). Every kind answers the same question — *is this criterion met by the answer?* —
so scoring is uniform (HealthBench-style):

    reward = clip( sum(weight_i for every met criterion i) / sum(weight_i for every weight_i > 0), 0, 1 )

Worked example: criteria A (+5, met), B (+3, not met), C (+2, met), D (-4, met — a forbidden claim
appeared). Earned = 5 + 2 - 4 = 3; possible = 5 + 3 + 2 = 10; reward = 0.3. Had D not been met,
the reward would be 0.7; had everything gone wrong (only D met), earned = -4 and the reward clips to 0.

Qualifiers: a criterion about form rather than content (by default ``max_words`` and
``json_schema``; any criterion can set ``qualifier``) adds its weight only when the answer also
meets at least one positive criterion that is not a qualifier. Otherwise any short reply ("yes")
would earn the "is concise" points: a reward for nothing. Negative criteria always count.

Example:
    >>> r = Rubric(criteria=[{"kind": "contains", "description": "names Paris", "value": "Paris", "weight": 2},
    ...                      {"kind": "max_words", "description": "short", "max_words": 20, "weight": 1}])
    >>> score([CriterionVerdict(criterion_id=c.id, met=True) for c in r.criteria], r).reward
    1.0
    >>> score([CriterionVerdict(criterion_id=r.criteria[0].id, met=False),
    ...        CriterionVerdict(criterion_id=r.criteria[1].id, met=True)], r).reward  # short, but says nothing
    0.0
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class _CriterionBase(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    id: str = ""
    description: str = Field(min_length=1)
    weight: float = 1.0
    # A qualifier (a form criterion: length, JSON shape) earns its points only when the answer also
    # meets at least one positive criterion that is not a qualifier: "short" alone is not earned.
    # None = the kind's default (True for max_words and json_schema). Negative weights always count.
    qualifier: bool | None = None

    @field_validator("weight")
    @classmethod
    def _nonzero(cls, value: float) -> float:
        if value == 0 or value != value:
            raise ValueError("a criterion's weight must be a non-zero number (negative = must not appear)")
        return value

    @property
    def negative(self) -> bool:
        return self.weight < 0

    @property
    def is_qualifier(self) -> bool:
        default = getattr(self, "kind", "") in QUALIFIER_KINDS
        return not self.negative and (default if self.qualifier is None else self.qualifier)


class LlmCriterion(_CriterionBase):
    """Judged by a model. ``terms`` are key terms shown to the judge as hints (each may list
    alternatives separated by ``|``); the deterministic stand-in judge decides with them alone."""

    kind: Literal["llm"] = "llm"
    terms: list[str] = Field(default_factory=list)


class ContainsCriterion(_CriterionBase):
    """Met when the answer contains ``value`` (case-insensitive unless ``case_sensitive``)."""

    kind: Literal["contains"] = "contains"
    value: str = Field(min_length=1)
    case_sensitive: bool = False


class RegexCriterion(_CriterionBase):
    """Met when ``pattern`` matches anywhere in the answer (RE2, linear in the answer's length: see
    the regex grader for the accepted syntax; MULTILINE; IGNORECASE unless ``case_sensitive``)."""

    kind: Literal["regex"] = "regex"
    pattern: str = Field(min_length=1)
    case_sensitive: bool = False

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        from envgym.protocol.errors import GraderError
        from envgym_graders.match import compile_pattern

        try:
            compile_pattern(value, "m")
        except GraderError as exc:
            raise ValueError(exc.message) from None
        return value


class MaxWordsCriterion(_CriterionBase):
    """Met when the answer has at most ``max_words`` whitespace-separated words."""

    kind: Literal["max_words"] = "max_words"
    max_words: int = Field(ge=1)


class JsonSchemaCriterion(_CriterionBase):
    """Met when the answer — the whole reply, or else its last fenced ```json block — is JSON valid against ``json_schema``."""

    kind: Literal["json_schema"] = "json_schema"
    json_schema: dict[str, Any]

    @field_validator("json_schema")
    @classmethod
    def _valid_schema(cls, value: dict[str, Any]) -> dict[str, Any]:
        import jsonschema

        try:
            jsonschema.validators.validator_for(value).check_schema(value)
        except jsonschema.SchemaError as exc:
            raise ValueError(f"invalid JSON schema: {exc.message}") from None
        return value


class PythonCriterion(_CriterionBase):
    """A check script run in a sandbox with ``/usr/bin/python3 -I``. It reads the answer from stdin
    (also in ``answer.txt``) and exits 0 = met, 1 = not met; any other exit or a timeout is a
    broken check and makes the grade a ``grader_error``."""

    kind: Literal["python"] = "python"
    code: str = Field(min_length=1)
    timeout_s: float = Field(default=10.0, gt=0, le=120)


Criterion = Annotated[
    Union[LlmCriterion, ContainsCriterion, RegexCriterion, MaxWordsCriterion, JsonSchemaCriterion, PythonCriterion],
    Field(discriminator="kind"),
]
DEFAULT_MAX_ANSWER_CHARS = 20_000
QUALIFIER_KINDS = ("max_words", "json_schema")
PROGRAMMATIC_KINDS = ("contains", "regex", "max_words", "json_schema", "python")


class Rubric(BaseModel):
    """A task's criteria. Ids default to ``c1``, ``c2``, ... and must be unique; at least one
    criterion must carry positive weight (otherwise there is nothing to earn)."""

    model_config = ConfigDict(extra="forbid")
    criteria: list[Criterion] = Field(min_length=1)
    pass_threshold: float = Field(default=0.6, ge=0.0, le=1.0)
    # Longer answers score 0 by rule before any check or judge runs (see degenerate.py): a judge
    # request that fails for length would otherwise turn a padded answer into a grader_error.
    max_answer_chars: int = Field(default=DEFAULT_MAX_ANSWER_CHARS, ge=1, le=1_000_000)

    @model_validator(mode="after")
    def _ids_and_points(self) -> "Rubric":
        for i, criterion in enumerate(self.criteria, 1):
            if not criterion.id:
                criterion.id = f"c{i}"
        ids = [c.id for c in self.criteria]
        if len(set(ids)) != len(ids):
            raise ValueError(f"criterion ids must be unique, got {ids}")
        if self.points_possible <= 0:
            raise ValueError("a rubric needs at least one criterion with positive weight")
        return self

    @property
    def points_possible(self) -> float:
        return sum(c.weight for c in self.criteria if c.weight > 0)

    @property
    def has_substance(self) -> bool:
        return any(c.weight > 0 and not c.is_qualifier for c in self.criteria)

    @property
    def llm_criteria(self) -> list[LlmCriterion]:
        return [c for c in self.criteria if isinstance(c, LlmCriterion)]


@dataclass
class CriterionVerdict:
    """Whether one criterion is met, and why (judge reasoning or the check's explanation)."""

    criterion_id: str
    met: bool
    reasoning: str = ""
    votes: list[bool] | None = None
    cached: bool = False


@dataclass
class Score:
    reward: float
    earned: float
    possible: float


def score(verdicts: list[CriterionVerdict], rubric: Rubric) -> Score:
    """Points earned over positive points available, clipped to [0, 1] (see the module docstring)."""
    missing = {c.id for c in rubric.criteria} - {v.criterion_id for v in verdicts}
    if missing:
        raise ValueError(f"no verdict for criteria {sorted(missing)}")
    criteria = {c.id: c for c in rubric.criteria}
    met = [criteria[v.criterion_id] for v in verdicts if v.met]
    substance = any(c.weight > 0 and not c.is_qualifier for c in met) or not rubric.has_substance
    earned = sum(c.weight for c in met if substance or not c.is_qualifier)
    possible = rubric.points_possible
    return Score(reward=min(1.0, max(0.0, earned / possible)), earned=earned, possible=possible)
