"""Typed host settings (issue 16): a family or grader declares its ``--set prefix.key`` settings as a
pydantic model (``envgym.kernel.settings``); every host refuses, at start-up and naming the key, a key its
model does not have or a value of the wrong type; families without a model keep working."""

from __future__ import annotations

from typing import Any, ClassVar, Iterator, Sequence

import pytest
from pydantic import Field
from typer.testing import CliRunner

from envgym import Environment, Grade, Observation, StepResult, SuiteInfo, Task
from envgym.cli import app
from envgym.kernel import registry
from envgym.kernel.context import EnvContext
from envgym.kernel.grader import Grader
from envgym.kernel.settings import CoreSettings, Settings, check_settings, read_settings
from envgym.kernel.step_budget import StepBudget
from envgym.protocol import Action, Submission
from envgym.protocol.errors import InvalidRequest


class ToySettings(Settings):
    prefix: ClassVar[str] = "toyset"
    retries: int = Field(default=1, ge=0, description="how many times the toy tries again")
    url: str | None = Field(default=None, description="where the toy's service is")


class Toy(Environment):
    """Says back the ``toyset.retries`` setting it read; lists a suite per ``toyset.url`` a host gave."""

    settings_model = ToySettings
    urls: ClassVar[list[str]] = []

    @classmethod
    def use_settings(cls, settings: Settings) -> None:
        assert isinstance(settings, ToySettings)
        if settings.url:
            cls.urls.append(settings.url)

    @classmethod
    def suites(cls) -> list[SuiteInfo]:
        return [SuiteInfo(name="main")]

    @classmethod
    def load_tasks(cls, suite: str) -> Sequence[Task]:
        return [Task(id=f"t{i}", suite=suite, prompt=url) for i, url in enumerate(["p", *cls.urls], 1)]

    async def on_reset(self, task: Task, seed: int | None) -> Observation:
        return Observation.user(str(self.context.settings_for(ToySettings).retries))

    async def on_step(self, action: Action) -> StepResult:
        return self.finish(Grade.binary(True))


class NoModel(Toy):
    """A third-party family that declares no model and reads its keys as before."""

    settings_model = None

    async def on_reset(self, task: Task, seed: int | None) -> Observation:
        return Observation.user(repr(self.context.setting("nomodel.anything", "unset")))


class ToyGraderSettings(Settings):
    prefix: ClassVar[str] = "toygrader"
    threshold: float = 0.5


class ToyGrader(Grader):
    settings_model = ToyGraderSettings

    async def grade(self, task: Task, submission: Submission, **kwargs: Any) -> Grade:
        return Grade.binary(True)


@pytest.fixture(autouse=True)
def plugins() -> Iterator[None]:
    registry.register("environments", "toyset", Toy, replace=True)
    registry.register("environments", "nomodel", NoModel, replace=True)
    registry.register("graders", "toygrader", ToyGrader, replace=True)
    yield
    registry.unregister("environments", "toyset")
    registry.unregister("environments", "nomodel")
    registry.unregister("graders", "toygrader")


def test_an_unknown_key_is_refused_naming_it_the_closest_key_and_the_valid_ones() -> None:
    with pytest.raises(InvalidRequest) as caught:
        EnvContext(settings={"toyset.retrys": 3})
    assert "'toyset.retrys'" in caught.value.message and "did you mean 'toyset.retries'" in caught.value.message
    assert caught.value.details["valid"] == ["toyset.retries", "toyset.url"]
    with pytest.raises(InvalidRequest, match="unknown setting 'toygrader.treshold'.*toygrader.threshold"):
        check_settings({"toygrader.treshold": 0.9})  # a grader's model is checked the same way


@pytest.mark.parametrize(
    "settings, key",
    [
        ({"toyset.retries": "many"}, "toyset.retries"),
        ({"toyset.retries": -1}, "toyset.retries"),
        ({"toygrader.threshold": [1]}, "toygrader.threshold"),
        ({"step_timeout_s": "soon"}, "step_timeout_s"),
    ],
)
def test_a_value_of_the_wrong_type_is_refused_naming_the_key(settings: dict[str, Any], key: str) -> None:
    with pytest.raises(InvalidRequest, match=f"setting '{key}':") as caught:
        EnvContext(settings=settings)
    assert caught.value.details["setting"] == key


def test_values_are_read_typed_with_the_models_defaults() -> None:
    context = EnvContext(settings={"toyset.retries": "3"})
    assert context.settings_for(ToySettings) == ToySettings(retries=3, url=None)
    assert EnvContext().settings_for(ToySettings).retries == 1
    assert StepBudget.of(EnvContext(settings={"step_timeout_s": 300})).total == pytest.approx(StepBudget(300).total)
    assert StepBudget(300).total != StepBudget(None).total


def test_keys_no_model_declares_pass_unchanged_and_a_family_without_a_model_still_reads_them() -> None:
    settings = {"nomodel.anything": [1, 2], "nobody.x": 1, "marker_dir": "/tmp/m"}
    check_settings(settings)  # no model for these prefixes, and unprefixed keys the core does not own
    env = NoModel("main", context=EnvContext(settings=settings)).sync()
    obs, _ = env.reset(NoModel.get_task("main", "t1"))
    assert obs.messages[-1].content == "[1, 2]"
    env.close()
    assert read_settings(settings, CoreSettings).step_timeout_s is None


@pytest.mark.parametrize(
    "command",
    [["check", "toyset/main"], ["eval", "toyset/main", "-n", "1"], ["regrade", "runs/nowhere"], ["serve"]],
)
def test_every_host_command_refuses_an_unknown_key_before_it_starts(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--set", "toyset.retry=2"], env={"COLUMNS": "200"})
    assert result.exit_code == 2, result.output  # a usage error, before anything runs
    assert "unknown setting 'toyset.retry'; did you mean 'toyset.retries'?" in " ".join(result.output.split())


def test_the_server_refuses_an_unknown_key_when_built_from_code() -> None:
    from envgym_server.app import create_app
    from envgym_server.config import ServerConfig

    with pytest.raises(InvalidRequest, match="toyset.retry"):
        create_app(ServerConfig(sandbox="process", settings={"toyset.retry": 2}))


def test_info_lists_a_familys_settings_with_defaults_and_descriptions() -> None:
    result = CliRunner().invoke(app, ["info", "toyset"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "toyset.retries" in result.output and "how many times the toy tries again" in result.output


def test_a_host_hands_a_family_its_settings_as_it_starts_and_each_family_keeps_its_own_tasks() -> None:
    Toy.urls.clear()
    Toy.forget_tasks("main")
    assert [t.id for t in Toy.tasks("main")] == ["t1"] and Toy.tasks_loaded("main")
    assert not NoModel.tasks_loaded("main")  # a subclass lists its own tasks, not its parent's
    NoModel.tasks("main")
    EnvContext(settings={"toyset.url": "http://svc"})  # what every host builds as it starts
    assert Toy.urls == ["http://svc"]
    Toy.forget_tasks("main")  # the family and its subclasses load the suite again
    assert not Toy.tasks_loaded("main") and not NoModel.tasks_loaded("main")
    assert [t.prompt for t in Toy.tasks("main")] == ["p", "http://svc"]
    Toy.urls.clear()
    Toy.forget_tasks("main")
