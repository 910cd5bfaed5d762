"""One environment-id parser (``envgym.protocol.ids.EnvId``) and one ``--set`` parser
(``envgym.kernel.context.parse_setting``) behind every command, the server, the client and ``envgym.make``
(issue 16)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Sequence

import pytest
from typer.testing import CliRunner

import envgym
from envgym import Action, Environment, Grade, Observation, StepResult, SuiteInfo, Task
from envgym.cli import app
from envgym.cli.demo_cmd import DemoPlan, _enter_setups
from envgym.kernel import registry
from envgym.kernel.context import format_setting, parse_setting, parse_settings
from envgym.kernel.families import resolve
from envgym.protocol.errors import InvalidRequest, UnknownEnvironment, UnknownTask
from envgym.protocol.ids import EnvId

REPO = Path(__file__).resolve().parents[2]


class Dotted(Environment):
    """A family whose suite names hold dots (a terminal family's suites come from settings)."""

    family = ""

    @classmethod
    def suites(cls) -> list[SuiteInfo]:
        return [SuiteInfo(name="a"), SuiteInfo(name="a.b")]

    @classmethod
    def load_tasks(cls, suite: str) -> Sequence[Task]:
        return [Task(id=t, suite=suite, prompt="say ok", private={"answer": "ok"}) for t in ("t1", "t.2")]

    async def on_reset(self, task: Task, seed: int | None) -> Observation:
        return Observation.user(task.prompt)

    async def on_step(self, action: Action) -> StepResult:
        return self.finish(Grade.binary(action.text() == "ok"))


@pytest.fixture
def dotted():
    registry.register("environments", "dotted", Dotted, package="envgym-dotted")
    try:
        yield
    finally:
        registry.unregister("environments", "dotted")


@pytest.mark.parametrize(
    "env_id,expected",
    [
        ("debug", EnvId("debug")),
        ("debug/echo", EnvId("debug", "echo")),
        ("debug/echo.echo-3", EnvId("debug", "echo", "echo-3")),
        ("web/miniwob.click-test", EnvId("web", "miniwob", "click-test")),
        ("x/s.t.u", EnvId("x", "s", "t.u")),  # without suite names, the first dot ends the suite
    ],
)
def test_ids_parse_without_loading_anything(env_id: str, expected: EnvId) -> None:
    assert EnvId.parse(env_id) == expected and str(expected) == env_id


@pytest.mark.parametrize("bad", ["", " debug", "debug/", "debug/.echo-1", "debug/echo.", "/echo", "debug\n"])
def test_malformed_ids_are_unknown_environment_naming_the_grammar(bad: str) -> None:
    with pytest.raises(UnknownEnvironment, match="expected family, family/suite or family/suite.task"):
        EnvId.parse(bad)
    with pytest.raises(UnknownEnvironment):
        resolve(bad)


def test_suite_names_with_dots_are_read_with_the_family_suites(dotted) -> None:
    suites = ["a", "a.b"]
    assert EnvId.parse("dotted/a.b", suites) == EnvId("dotted", "a.b")
    assert EnvId.parse("dotted/a.b.t1", suites) == EnvId("dotted", "a.b", "t1")  # the longest suite wins
    assert EnvId.parse("dotted/a.t1", suites) == EnvId("dotted", "a", "t1")
    with pytest.raises(UnknownEnvironment, match="'dotted' has no suite 'c.t1'; suites: a, a.b"):
        EnvId.parse("dotted/c.t1", suites)
    ref = resolve("dotted/a.b.t.2")
    assert (ref.suite, ref.task_id, ref.id) == ("a.b", "t.2", "dotted/a.b.t.2")
    assert resolve("dotted").suite == "a" and resolve("dotted/a.b").suite == "a.b"
    with pytest.raises(UnknownTask):
        resolve("dotted/a.b.t3")


def test_make_takes_a_suite_with_a_dot_in_it(dotted) -> None:
    env = envgym.make("dotted/a.b", suite="a.b", task_id="t1")  # used to be refused as contradictory
    try:
        obs, _ = env.reset()
        assert obs == "say ok" and env.step("ok")[1] == 1.0
    finally:
        env.close()
    with pytest.raises(InvalidRequest, match="contradicts the environment id"):
        envgym.make("dotted/a.b", suite="c")
    envgym.make("dotted", suite="a.b").close()


def test_no_other_copy_of_the_env_id_grammar_in_the_sources() -> None:
    # Env ids are split only by EnvId.parse: another `.partition("/")` or `.partition(".")` on an
    # id or its rest is a second parser that would drift (dotted suite names, "family/" ...).
    pattern = re.compile(r"\b(env\w*|rest|ident\w*)\.(partition|split)\(\s*[\"'][/.][\"']")
    roots = [REPO / "envgym", REPO / "server" / "envgym_server"]
    found = [
        f"{path.relative_to(REPO)}:{n}: {line.strip()}"
        for root in roots
        for path in root.rglob("*.py")
        if path != REPO / "envgym" / "protocol" / "ids.py"
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert not found, found


@pytest.mark.parametrize(
    "item,expected",
    [
        ("n=3", ("n", 3)),
        ("flag=true", ("flag", True)),
        ("items=[1, 2]", ("items", [1, 2])),
        ("url=http://h:1/v1?a=b", ("url", "http://h:1/v1?a=b")),
        (' key = "7"', ("key", "7")),
        ("empty=", ("empty", "")),
    ],
)
def test_one_setting(item: str, expected: tuple) -> None:
    assert parse_setting(item) == expected


@pytest.mark.parametrize("value", ["text", "7", "true", "null", '"quoted"', " 7", "", 7, 2.5, False, None, [1, "a"]])
def test_format_setting_reads_back_as_the_same_value(value) -> None:
    assert parse_setting(format_setting("k", value)) == ("k", value)


@pytest.mark.parametrize("bad", ["novalue", "=3", " =3"])
def test_a_setting_without_a_key_is_invalid_request_naming_the_option(bad: str) -> None:
    with pytest.raises(InvalidRequest, match=r"--agent-set expects KEY=VALUE .*got"):
        parse_settings(["ok=1", bad], "--agent-set")


@pytest.mark.parametrize(
    "command",
    [
        ["check", "debug/echo"],
        ["eval", "debug/echo", "-n", "1"],
        ["regrade", "runs/nowhere"],
        ["serve"],
    ],
)
def test_every_command_reads_set_with_the_same_parser(command: list[str], tmp_path: Path) -> None:
    result = CliRunner().invoke(app, [*command, "--set", "no-equals-sign"], env={"COLUMNS": "200"})
    assert result.exit_code == 2, result.output  # a usage error, before anything runs
    assert "--set expects KEY=VALUE" in " ".join(result.output.split()), result.output


def test_demo_hands_string_settings_to_the_server_unchanged() -> None:
    class Fam(Dotted):
        family = "fam"

        @classmethod
        def demo_setup(cls):  # type: ignore[override]
            import contextlib

            from envgym.kernel.environment import DemoSetup

            return contextlib.nullcontext(DemoSetup(settings={"fam.tag": "7", "fam.n": 7, "fam.url": "http://h/v1"}))

    import contextlib

    with contextlib.ExitStack() as stack:
        args = _enter_setups(stack, DemoPlan(families=[Fam]))
    assert parse_settings(args[1::2]) == {"fam.tag": "7", "fam.n": 7, "fam.url": "http://h/v1"}
