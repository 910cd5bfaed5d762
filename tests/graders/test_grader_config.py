"""A grader's config (``GraderSpec.config``) is read once into its ``config_model``: a typo or a
wrong type is an error naming the grader, the key and the valid keys, never silently ignored."""

import pytest

from envgym.kernel import registry
from envgym.kernel.environment import Environment
from envgym.kernel.grader import Grader, get_grader
from envgym.protocol import EpisodeStatus, Grade, GraderSpec, Observation, Submission, SuiteInfo, Task
from envgym.protocol.errors import GraderError

TASK = Task(id="t", suite="s", prompt="?", private={"answer": "Paris"})


def test_an_unknown_key_is_refused_naming_it_the_closest_key_and_all_keys():
    with pytest.raises(GraderError) as caught:
        get_grader(GraderSpec(name="exact", config={"case_sensitve": False}))
    assert caught.value.message.startswith(
        "unknown config key 'exact.case_sensitve'; did you mean 'exact.case_sensitive'? The exact config keys are: "
    )
    assert "exact.collapse_whitespace" in caught.value.details["valid"]
    assert caught.value.details["key"] == "exact.case_sensitve"


@pytest.mark.parametrize(
    "name,config,key",
    [
        ("numeric", {"rel_tol": "loose"}, "numeric.rel_tol"),
        ("regex", {"full": "sometimes"}, "regex.full"),
        ("unit_tests", {"mode": "partial"}, "unit_tests.mode"),
        ("rubric", {"pass_threshold": 2}, "rubric.pass_threshold"),
    ],
)
def test_a_value_of_the_wrong_type_is_refused_naming_the_key(name, config, key):
    with pytest.raises(GraderError, match=f"config key '{key}': "):
        get_grader(GraderSpec(name=name, config=config))


def test_a_weighted_components_config_is_checked_when_the_weighted_grader_is_built():
    components = [{"name": "value", "grader": "numeric", "config": {"abs_tolerance": 0.1}}]
    with pytest.raises(GraderError, match="unknown config key 'weighted.value.numeric.abs_tolerance'; did you mean"):
        get_grader(GraderSpec(name="weighted", config={"components": components}))


def test_a_weighted_component_with_a_misspelt_field_is_refused():
    components = [{"name": "value", "grader": "numeric", "wieght": 2}]
    with pytest.raises(GraderError, match=r"config key 'weighted.components.0.wieght': Extra inputs"):
        get_grader(GraderSpec(name="weighted", config={"components": components}))


def test_defaults_are_read_when_no_key_is_given():
    grader = get_grader(GraderSpec(name="numeric"))
    assert (grader.cfg.rel_tol, grader.cfg.abs_tol, grader.cfg.max_chars) == (1e-6, 1e-9, 100_000)
    assert get_grader("exact").grade_sync(TASK, Submission(answer=" paris ")).reward == 0.0  # case_sensitive
    assert get_grader("exact", case_sensitive=False).grade_sync(TASK, Submission(answer=" paris ")).reward == 1.0


class GradesWithTaskGrader(Environment):
    @classmethod
    def suites(cls):
        return [SuiteInfo(name="main")]

    @classmethod
    def load_tasks(cls, suite):
        return []

    async def on_reset(self, task, seed):
        return Observation.user(task.prompt)

    async def on_step(self, action):
        return self.finish(await self.grade(Submission(answer=action.text())))


def test_a_task_with_a_config_typo_ends_its_episode_as_grader_error_never_as_a_zero():
    task = TASK.model_copy(update={"grader": GraderSpec(name="exact", config={"answr": "Paris"})})
    env = GradesWithTaskGrader().sync()
    env.reset(task)
    result = env.step("Paris")
    env.close()
    assert result.status == EpisodeStatus.grader_error
    assert "unknown config key 'exact.answr'; did you mean 'exact.answer'?" in result.grade.error


class Loose(Grader):
    """A third-party grader without a config model: it reads its config as before."""

    name = "loose"

    async def grade(self, task, submission, *, sandbox=None, context=None):
        return Grade.binary(submission.answer == self.config.get("expected"), {"config": self.config})


def test_a_grader_without_a_config_model_gets_its_config_unchanged():
    grade = Loose(expected="x", anything={"goes": 1}).grade_sync(TASK, Submission(answer="x"))
    assert grade.reward == 1.0 and grade.details == {"config": {"expected": "x", "anything": {"goes": 1}}}
    assert not hasattr(Loose(), "cfg")


def _shipped_tasks_with_a_grader():
    for plugin in registry.list_plugins("environments"):
        family = registry.load("environments", plugin.name)
        for suite in family.suites():
            for task in family.tasks(suite.name):
                if task.grader is not None:
                    yield f"{plugin.name}/{suite.name}/{task.id}", task.grader


def test_every_shipped_task_names_a_grader_whose_config_is_valid():
    specs = dict(_shipped_tasks_with_a_grader())
    for name, spec in specs.items():
        assert isinstance(get_grader(spec), Grader), name  # raises GraderError naming the key of any typo
    assert {"unit_tests", "rubric"} <= {spec.name for spec in specs.values()}  # the families that name one
