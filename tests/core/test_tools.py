"""Tools declared as methods (envgym/kernel/tools.py): the schema comes from the signature and docstring, and
every way a call can be wrong is answered as an ``Error: ...`` tool message, once, for every family."""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal

import pytest
from pydantic import Field

from envgym.kernel.tools import Toolbox, tool
from envgym.protocol import Action, FunctionCall, Grade, ToolCall


class Box:
    def __init__(self) -> None:
        self.ran: list[str] = []

    @tool
    async def edit(
        self,
        command: Literal["view", "create"],
        path: str,
        view_range: list[int] | None = None,
        timeout: Annotated[float, Field(ge=1, le=60)] = 10,
    ) -> str:
        """View or create a file.
        Paths are absolute.

        Args:
            command: what to do
            path: absolute path of a file,
                e.g. /testbed/setup.py
            view_range: [start, end] lines
        """
        self.ran.append(path)
        if not path.startswith("/"):
            raise ValueError("`path` must be absolute")
        return f"{command} {path} {view_range} {timeout:g}"

    @tool(name="submit", ends_turn=True)
    async def finish(self) -> Grade:
        """End the episode."""
        return Grade(reward=1.0, passed=True)


def calls(*actions: Action) -> list[ToolCall]:
    return [c for a in actions for c in a.tool_calls or []]


def answer(box: Toolbox, *items: ToolCall | Action, **kw):
    flat = [c for item in items for c in (item.tool_calls or [] if isinstance(item, Action) else [item])]
    return asyncio.run(box.answer(Box(), flat, **kw))


def test_schema_comes_from_the_signature_and_the_docstring():
    edit, submit = Toolbox.of(Box).schemas()
    assert edit.function.name == "edit" and submit.function.name == "submit"
    assert edit.function.description == "View or create a file. Paths are absolute."
    params = edit.function.parameters
    assert params["required"] == ["command", "path"] and params["additionalProperties"] is False
    assert params["properties"] == {
        "command": {"type": "string", "enum": ["view", "create"], "description": "what to do"},
        "path": {"type": "string", "description": "absolute path of a file, e.g. /testbed/setup.py"},
        "view_range": {"type": "array", "items": {"type": "integer"}, "description": "[start, end] lines"},
        "timeout": {"type": "number", "default": 10, "maximum": 60, "minimum": 1},
    }
    assert submit.function.parameters == {
        "type": "object",
        "properties": {},
        "additionalProperties": False,
        "required": [],
    }


def test_a_good_call_runs_with_its_defaults():
    turn = answer(Toolbox.of(Box), Action.call("edit", "c1", command="view", path="/a", view_range=[1, 2]))
    assert [(m.role, m.tool_call_id, m.name, m.content) for m in turn.replies] == [
        ("tool", "c1", "edit", "view /a [1, 2] 10")
    ]
    assert turn.ended is None and turn.value is None


@pytest.mark.parametrize(
    "arguments, error",
    [
        ('{"command": "view"}', "Error: edit: `path` is required"),
        ('{"command": "delete", "path": "/a"}', "Error: edit: `command`: input should be 'view' or 'create'"),
        ('{"command": "view", "path": 7}', "Error: edit: `path` must be a string"),
        ('{"command": "view", "path": "/a", "timeout": "5"}', "Error: edit: `timeout` must be a number"),
        ('{"command": "view", "path": "/a", "timeout": true}', "Error: edit: `timeout` must be a number"),
        (
            '{"command": "view", "path": "/a", "timeout": 600}',
            "Error: edit: `timeout`: input should be less than or equal to 60",
        ),
        ('{"command": "view", "path": "/a", "view_range": ["1"]}', "Error: edit: `view_range.0` must be an integer"),
        ('{"command": "view", "path": "a"}', "Error: `path` must be absolute"),
        (
            "{not json",
            "Error: arguments of 'edit' are not valid JSON: Expecting property name enclosed in double quotes",
        ),
        ("[1]", "Error: arguments of 'edit' must be a JSON object, got list"),
    ],
)
def test_every_wrong_call_is_an_error_answer_the_model_can_read(arguments, error):
    call = ToolCall(id="c1", function=FunctionCall(name="edit", arguments=arguments))
    (reply,) = answer(Toolbox.of(Box), call).replies
    assert (reply.tool_call_id, reply.content) == ("c1", error)


def test_unknown_and_nameless_tools_are_answered_with_the_names_on_offer():
    nameless = ToolCall(id="c2", function=FunctionCall(name=None, arguments="{}"))
    turn = answer(Toolbox.of(Box), Action.call("rm", "c1"), nameless)
    assert [m.content for m in turn.replies] == [
        "Error: unknown tool 'rm'; use one of edit, submit",
        "Error: unknown tool ''; use one of edit, submit",
    ]


def test_arguments_the_signature_does_not_name_are_ignored():
    (reply,) = answer(Toolbox.of(Box), Action.call("edit", command="view", path="/a", reason="why not")).replies
    assert reply.content == "view /a None 10"


def test_an_ending_tool_stops_the_turn_and_keeps_the_answers_before_it():
    turn = answer(
        Toolbox.of(Box),
        Action.call("edit", "c1", command="view", path="/a"),
        Action.call("submit", "c2"),
        Action.call("edit", "c3", command="view", path="/never"),
    )
    assert [m.tool_call_id for m in turn.replies] == ["c1"]
    assert turn.ended is not None and turn.ended.id == "c2"
    assert turn.value == Grade(reward=1.0, passed=True)


def test_refuse_answers_a_call_without_running_it():
    owner = Box()
    flat = calls(Action.call("edit", "c1", command="view", path="/a"), Action.call("submit", "c2"))
    turn = asyncio.run(
        Toolbox.of(Box).answer(
            owner, flat, refuse=lambda c: "Error: no time left" if c.function.name == "edit" else None
        )
    )
    assert [m.content for m in turn.replies] == ["Error: no time left"] and owner.ran == []
    assert turn.ended is not None and turn.ended.id == "c2"


def test_a_suite_names_its_methods_and_two_tools_may_not_share_a_name():
    class Two(Box):
        @tool(name="submit")
        async def submit_code(self, code: str) -> Grade:
            """Submit code."""
            return Grade(reward=float(code == "ok"))

    with pytest.raises(ValueError, match="two tools named 'submit'"):
        Toolbox.of(Two)
    assert Toolbox.of(Two, "edit", "submit_code").names() == ["edit", "submit"]
    assert Toolbox.of(Box, "finish", "edit").names() == ["submit", "edit"]
    with pytest.raises(ValueError, match="Box has no @tool method named nope"):
        Toolbox.of(Box, "nope")


def test_a_subclass_override_runs_in_the_tools_place():
    class Loud(Box):
        @tool
        async def edit(self, command: Literal["view", "create"], path: str) -> str:
            """Shout."""
            return path.upper()

    box = Toolbox.of(Loud)
    assert box.names() == ["edit", "submit"]
    (reply,) = asyncio.run(box.answer(Loud(), calls(Action.call("edit", command="view", path="/a")))).replies
    assert reply.content == "/A"
    assert box.schemas()[0].function.description == "Shout."


def test_variadic_parameters_cannot_be_described():
    class Bad:
        @tool
        async def run(self, *argv: str) -> str:
            """Run."""
            return ""

    with pytest.raises(TypeError, match=r"\*args/\*\*kwargs"):
        Toolbox.of(Bad)
