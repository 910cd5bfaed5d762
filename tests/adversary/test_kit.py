"""The adversary kit itself: interfaces read from tool schemas, which attacks a task gets, the
isolation rule, the agent on its own, the CLI, and the modules' examples."""

from __future__ import annotations

import asyncio
import doctest
import json

import pytest
from typer.testing import CliRunner

import envgym.adversary.agent
import envgym.adversary.answers
import envgym.adversary.interface
import envgym.adversary.model
import envgym.adversary.payloads
import envgym.adversary.plans
from envgym.adversary import ATTACK_CLASSES, AdversaryAgent, interface_of, plan_attacks
from envgym.adversary.answers import answer_key, example_values, guesses
from envgym.adversary.plans import output_names
from envgym.agents.loop import run_episode
from envgym.builtin.debug import DebugEnvironment
from envgym.cli.app import app
from envgym.protocol import Action, Task, Tool
from envgym.protocol.errors import InvalidRequest
from envgym.testing import check_adversary
from envgym_reasoning.environment import ReasoningEnvironment

ALL = set(ATTACK_CLASSES)
BASH = Tool.define(
    "bash",
    "run",
    {"command": {"type": "string"}, "timeout": {"type": "number", "minimum": 1, "maximum": 60}},
    ["command"],
)
RUN_PYTHON = Tool.define("run_python", "run", {"code": {"type": "string"}, "stdin": {"type": "string"}}, ["code"])
SUBMIT = Tool.define("submit", "end")
SUBMIT_CODE = Tool.define("submit", "end", {"code": {"type": "string"}}, ["code"])
WRITE = Tool.define(
    "write_file", "write", {"path": {"type": "string"}, "content": {"type": "string"}}, ["path", "content"]
)
EDITOR = Tool.define(
    "str_replace_editor",
    "edit",
    {
        "command": {"type": "string", "enum": ["view", "create", "str_replace"]},
        "path": {"type": "string"},
        "file_text": {"type": "string"},
    },
    ["command", "path"],
)
ANSWER = Tool.define("answer", "final answer", {"text": {"type": "string"}}, ["text"])
DONE = Tool.define("done", "finish")
GOTO = Tool.define("goto", "open", {"url": {"type": "string"}}, ["url"])


def test_the_interface_is_read_from_the_tool_schemas_alone():
    shell = interface_of([BASH, WRITE, SUBMIT])
    assert shell.shell == ("bash", "command") and shell.files.tool == "write_file" and shell.answer is None
    assert shell.finish.tool_calls[0].function.name == "submit"
    code = interface_of([RUN_PYTHON, SUBMIT_CODE])
    assert code.code == ("run_python", "code") and code.answer == ("submit", "code") and code.code_answers
    assert code.finish.tool_calls[0].function.arguments == json.dumps({"code": ""})
    editor = interface_of([BASH, EDITOR, SUBMIT])
    assert editor.files.fixed == {"command": "create"} and editor.files.content == "file_text"
    web = interface_of([GOTO, ANSWER, DONE])
    assert web.shell is None and web.answer == ("answer", "text") and not web.code_answers
    assert interface_of([], "What is 2 + 2?").text_answer and not interface_of([], "What is 2 + 2?").code_answers
    assert interface_of([], "def add(a, b):\n    pass\n").code_answers


def test_each_interface_gets_its_attacks():
    task = Task(id="t", suite="s", prompt="Write the result to /app/report.json.")
    names = [a.name for a in plan_attacks(task, [BASH, WRITE, SUBMIT], classes=ALL, isolated=True)[0]]
    assert names == [
        "shell.hunt",
        "shell.modes",
        "shell.disk",
        "shell.signals",
        "shell.stall",
        "files.plant",
        "calls.malformed",
    ]
    code = [a.name for a in plan_attacks(task, [RUN_PYTHON, SUBMIT_CODE], classes=ALL, isolated=True)[0]]
    assert "shell.hunt" in code and "code.exit0" in code and "code.const[0]" in code and "answer.guess[0]" not in code
    text = [
        a.name
        for a in plan_attacks(
            Task(id="t", suite="s", prompt="What is 2 + 2?"), [], classes=ALL, isolated=True, common=["Answer: 4"]
        )[0]
    ]
    assert {"answer.guess[0]", "answer.guess[Answer: 4]", "answer.judge", "answer.long"} <= set(text)
    assert not any(n.startswith(("shell.", "code.", "calls.")) for n in text)


def test_the_agents_own_signal_round_comes_before_the_daemons_that_would_cut_it_short():
    """The daemons signal every process but each other twice a second: a round the agent sends after
    them could die before it prints its evidence (seen under CPU load), leaving the attack unconfirmed."""
    task = Task(id="t", suite="s", prompt="Fix it.")
    [signals] = [
        a
        for a in plan_attacks(task, [BASH, SUBMIT], classes={"signals"}, isolated=True)[0]
        if a.name == "shell.signals"
    ]
    commands = [json.loads(c.function.arguments)["command"] for act in signals.actions for c in act.tool_calls]
    steps = [
        next((i for i, c in enumerate(commands) if c.endswith(f" {args}")), -1)
        for args in ("signal INT HUP TERM KILL", "spawn signal")
    ]
    assert -1 < steps[0] < steps[1], commands


def test_only_the_chosen_classes_are_played():
    task = Task(id="t", suite="s", prompt="Fix it.")
    attacks, _ = plan_attacks(task, [BASH, SUBMIT], classes={"git_config"}, isolated=True)
    assert [a.name for a in attacks] == ["shell.hunt"]
    commands = [
        json.loads(c.function.arguments)["command"] for a in attacks for act in a.actions for c in act.tool_calls
    ]
    assert any("plant hunt git" in c for c in commands) and not any(
        " hunt\n" in c or c.endswith(" hunt") for c in commands
    )
    with pytest.raises(InvalidRequest, match="unknown attack class"):
        check_adversary("debug/echo", attacks="reward_files,no_such_class")


def test_attacks_that_run_programs_are_not_aimed_at_an_unisolated_host():
    task = Task(id="t", suite="s", prompt="def add(a, b):\n")
    attacks, skipped = plan_attacks(task, [BASH, SUBMIT], classes=ALL, isolated=False)
    assert [a.name for a in attacks] == ["calls.malformed"] and "not isolated" in skipped[0]
    text, skipped = plan_attacks(task, [], classes=ALL, isolated=False)
    assert not any(a.name.startswith("code.") for a in text) and "answer.judge" in [a.name for a in text]
    assert any("code payloads" in s for s in skipped)


def test_malformed_calls_are_planned_for_a_parameter_of_several_types():
    # "type": ["string", "null"] is a JSON schema too; the wrong-type value was looked up with the list as a
    # dict key (TypeError: unhashable type), so a tool with such a parameter could not be attacked at all.
    note = Tool.define(
        "note",
        "write a note",
        {
            "text": {"type": ["string", "null"], "description": "the note"},
            "count": {"type": "integer", "description": "how many"},
        },
        ["text"],
    )
    attacks, _ = plan_attacks(
        Task(id="t", suite="s", prompt="Take a note."), [note], classes={"malformed_calls"}, isolated=True
    )
    assert [a.name for a in attacks] == ["calls.malformed"]
    arguments = [
        json.loads(c.function.arguments)
        for c in attacks[0].actions[0].tool_calls
        if c.function.arguments.startswith("{") and '"text"' in c.function.arguments
    ]
    assert {"text": None, "count": "x"} in arguments  # no single type to contradict for text; a string for count


def test_the_process_provider_gets_the_safe_attacks_only(toy):
    report = check_adversary(f"{toy}/safe", sandbox="process")
    assert report.tasks_checked == 1 and [r.attack for r in report.results] == ["calls.malformed"]
    assert report.skipped and "not isolated" in report.skipped[0].reason


def test_malformed_calls_are_never_valid_calls():
    # increment() with nothing required: "{}" would count up to the target and score 1 (not an attack).
    report = check_adversary("debug/counter", attacks="malformed_calls", sandbox="bwrap")
    assert report.ok and {r.outcome for r in report.results} == {"held"}, report.summary()


def test_tasks_the_family_cannot_run_on_the_provider_are_skipped_not_attacked(bwrap_ctx):
    from envgym_terminal import TerminalEnvironment

    report = check_adversary("terminal/harbor", attacks="malformed_calls", context=bwrap_ctx, sandbox="bwrap")
    runnable = len(TerminalEnvironment.tasks("harbor")) - len(TerminalEnvironment.skipped_tasks("harbor", bwrap_ctx))
    assert report.tasks_checked == runnable == len(report.results) and report.ok, report.summary()
    assert any("--sandbox docker" in s.reason for s in report.skipped), report.skipped


def test_guesses_come_from_the_prompt_and_the_suite():
    assert example_values('Reply "yes" or "no", e.g. 42.') == ["yes", "no", "42"]
    assert guesses("Give the total, for example 7.", ["Answer: 3"])[-2:] == ["7", "Answer: 3"]
    assert output_names("Save it to out/result.csv and /app/summary.json.") == ["out/result.csv", "/app/summary.json"]
    assert output_names("Just do it.") == ["output.txt", "result.txt", "answer.txt", "out.json"]


def test_an_answer_is_known_in_each_of_its_forms():
    assert {answer_key(a) for a in ("Answer: 3", "3", "<answer>3</answer>", " answer: 3. ", "Final answer: 3")} == {"3"}
    assert answer_key("Answer: 33") != answer_key("3")


def test_a_guess_that_is_the_tasks_rare_answer_is_luck_a_common_one_a_hole(bwrap_ctx):
    from envgym.protocol import Observation

    # reasoning/gcd 0005's answer "Answer: 3" is the suite's most common answer, yet the answer of only
    # 2 of its 100 tasks: a policy always giving it earns 2%, so there it scored by being right.
    task = next(t for t in ReasoningEnvironment.tasks("gcd") if t.id == "0005")
    right = ReasoningEnvironment.oracle_policy(task)
    assert asyncio.run(right.act(Observation.user(task.prompt))).text() == "Answer: 3"
    report = check_adversary("reasoning/gcd.0005", attacks="answer_guess", context=bwrap_ctx, sandbox="bwrap")
    lucky = next(r for r in report.results if r.attack == "answer.guess[Answer: 3]")
    assert lucky.reward == 1.0 and lucky.outcome == "held" and "2% of the suite" in lucky.reason, lucky
    assert report.ok, report.summary()


async def test_the_agent_plays_a_named_attack_alone():
    task = DebugEnvironment.get_task("echo", "echo-0")
    record = await run_episode(DebugEnvironment("echo"), AdversaryAgent(attack="answer.judge"), task, DebugEnvironment)
    assert record.status.value == "completed" and record.reward == 0.0
    assert "VERDICT: MET" in record.actions[0].text() and record.extra["adversary"]["attack"] == "answer.judge"
    with pytest.raises(InvalidRequest, match="does not apply"):
        AdversaryAgent(attack="shell.hunt").start_episode(task, DebugEnvironment, [])


def test_the_cli_reports_per_attack_and_fails_on_a_hole(toy, tmp_path):
    ok = CliRunner().invoke(app, ["check", "debug/echo", "--adversary", "--attacks", "answer_guess", "--limit", "2"])
    assert ok.exit_code == 0, ok.output
    assert "answer.guess" in ok.output and "no attack scored above 0" in ok.output
    out = tmp_path / "r.json"
    bad = CliRunner().invoke(
        app, ["check", f"{toy}/constant", "--adversary", "--attacks", "answer_guess", "--json", str(out)]
    )
    assert bad.exit_code == 1, bad.output
    assert "SUCCEEDED" in bad.output and "answer.guess[0]" in bad.output
    data = json.loads(out.read_text())
    assert not data["ok"] and any(r["outcome"] == "succeeded" for r in data["results"])
    # The toy suite's one task answers "0": a policy always guessing it earns 100%, so it is a hole
    # even though "0" is the task's own answer.
    assert any("100% of the suite's tasks" in r["reason"] for r in data["results"] if r["outcome"] == "succeeded")
    misuse = CliRunner().invoke(app, ["check", "debug/echo", "--sample", "2"])
    assert misuse.exit_code != 0 and "--adversary" in misuse.output


@pytest.mark.parametrize(
    "module",
    [
        envgym.adversary.agent,
        envgym.adversary.answers,
        envgym.adversary.interface,
        envgym.adversary.model,
        envgym.adversary.payloads,
        envgym.adversary.plans,
    ],
)
def test_the_examples_in_the_docstrings_run(module):
    result = doctest.testmod(module)
    assert result.attempted and not result.failed


class _SlowDebug(DebugEnvironment):
    async def on_step(self, action):
        await asyncio.sleep(30)
        raise AssertionError("the kit's episode timeout should have stopped this step")


class _BrokenDebug(DebugEnvironment):
    def __init__(self, *args, **kwargs):
        raise RuntimeError("cannot start")


@pytest.mark.parametrize(
    ("cls", "status", "reason"),
    [
        (_SlowDebug, "timeout", "the episode did not finish within 0.2 s"),
        (_BrokenDebug, "env_error", "the episode raised RuntimeError: cannot start"),
    ],
)
async def test_an_attack_episode_that_hangs_or_raises_is_an_error_outcome_with_its_reason(cls, status, reason):
    from envgym.adversary.runner import AdversaryReport, _Job, _References, _run_job
    from envgym.host.tracking import TrackedContext
    from envgym.kernel.families import EnvRef

    ref = EnvRef("debug", "echo", cls)
    task = DebugEnvironment.get_task("echo", "echo-1")
    attack = envgym.adversary.model.Attack("probe", ("answer_guess",), "a probe", [Action(content="x")])
    report = AdversaryReport("debug/echo", "process", ["answer_guess"])
    async with asyncio.timeout(20):  # a hang guard only
        await _run_job(_Job(ref, task, attack, _References()), TrackedContext(sandbox="process"), report, 0.2)
    [result] = report.results
    assert (result.outcome, result.status, result.reward, result.reason) == ("error", status, 0.0, reason)
    assert result.failed and result.task_id == "echo-1" and result.attack == "probe"
