"""How a task lets the agent act, read from its tool schemas alone (never from the family's name).

* a **shell** tool has a free string parameter named like a command (``bash(command)``);
* a **code** tool runs a program it is given (``run_python(code)``) and does not end the episode;
* a **file** tool writes a path with content (``write_file(path, content)``, ``str_replace_editor``
  with ``command="create"``);
* an **answer** channel is a finishing tool with one required string (``answer(text)``,
  ``submit(code)``), or the reply text itself when there are no tools;
* the **finish** action ends the episode (``submit()``/``done()``, or the answer channel with "").

Example:
    >>> from envgym.protocol import Tool
    >>> tools = [Tool.define("bash", "run", {"command": {"type": "string"}}, ["command"]),
    ...          Tool.define("submit", "end")]
    >>> face = interface_of(tools, "Fix the build.")
    >>> face.shell, face.finish.tool_calls[0].function.name
    (('bash', 'command'), 'submit')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from envgym.protocol import Action, Tool

FINISH_NAMES = ("submit", "done", "finish", "answer", "final_answer", "submit_answer", "end")
SHELL_PARAMS = ("command", "cmd", "script", "shell", "commands", "bash")
SHELL_TOOLS = ("bash", "shell", "sh", "terminal", "exec", "execute", "run_command", "run_shell", "execute_bash")
CODE_PARAMS = ("code", "source", "program", "python", "source_code", "script")
PATH_PARAMS = ("path", "file", "filename", "file_path", "filepath")
CONTENT_PARAMS = ("content", "contents", "file_text", "text", "data", "body")
CREATE_VALUES = ("create", "write", "overwrite", "save")
CODE_PROMPT = re.compile(r"^\s*(?:async\s+)?def \w+\(|```python|^\s*(?:from \w+ )?import \w+", re.MULTILINE)


def _params(tool: Tool) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """The tool's parameter schemas (those that are objects) and its required parameters."""
    params = tool.function.parameters or {}
    props = params.get("properties") or {}
    return {k: v for k, v in props.items() if isinstance(v, dict)}, list(params.get("required") or [])


def _free_string(spec: dict[str, Any]) -> bool:
    kind = spec.get("type", "string")
    return (
        (kind == "string" or (isinstance(kind, list) and "string" in kind))
        and "enum" not in spec
        and "const" not in spec
    )


@dataclass
class FileTool:
    tool: str
    path: str
    content: str
    fixed: dict[str, Any] = field(default_factory=dict)  # e.g. {"command": "create"}

    def call(self, path: str, content: str, call_id: str) -> Action:
        return Action.call(self.tool, call_id=call_id, **self.fixed, **{self.path: path, self.content: content})


@dataclass
class Interface:
    tools: list[Tool]
    shell: tuple[str, str] | None = None
    code: tuple[str, str] | None = None
    files: FileTool | None = None
    answer: tuple[str, str] | None = None  # (tool, parameter); None with text_answer: the reply text
    text_answer: bool = False
    code_answers: bool = False
    finish: Action | None = None

    @property
    def executes(self) -> bool:
        """The agent can run programs of its choosing in the task's sandbox."""
        return self.shell is not None or self.code is not None

    def answer_action(self, text: str) -> Action:
        if self.answer is not None:
            tool, param = self.answer
            return Action.call(tool, call_id="call_adversary_answer", **{param: text})
        return Action(content=text)


def interface_of(tools: list[Tool], prompt: str = "") -> Interface:
    """The channels ``tools`` offer (see the module docstring)."""
    face = Interface(tools=list(tools))
    for tool in tools:
        name, (props, required) = tool.function.name, _params(tool)
        lowered = name.lower()
        if lowered in FINISH_NAMES:
            strings = [p for p in required if _free_string(props.get(p, {}))]
            if len(required) == 1 and strings and face.answer is None:
                face.answer = (name, strings[0])
                face.code_answers = strings[0] in CODE_PARAMS
            elif not required and face.finish is None:
                face.finish = Action.call(name, call_id="call_adversary_finish")
            continue
        shell = next((p for p in SHELL_PARAMS if p in props and _free_string(props[p])), None)
        if shell is None and lowered in SHELL_TOOLS:
            shell = next((p for p in required if _free_string(props.get(p, {}))), None)
        if shell is not None and face.shell is None:
            face.shell = (name, shell)
            continue
        code = next((p for p in CODE_PARAMS if p in props and _free_string(props[p])), None)
        if code is not None and face.code is None:
            face.code = (name, code)
            continue
        path = next((p for p in PATH_PARAMS if p in props and _free_string(props[p])), None)
        content = next((p for p in CONTENT_PARAMS if p in props and _free_string(props[p])), None)
        if path and content and face.files is None:
            # Every other required parameter must take a "create" value (str_replace_editor's command).
            choices = {
                other: [v for v in props.get(other, {}).get("enum", []) if v in CREATE_VALUES]
                for other in required
                if other not in (path, content)
            }
            if all(choices.values()):
                face.files = FileTool(name, path, content, {other: c[0] for other, c in choices.items()})
    if not tools:
        face.text_answer = True
        face.code_answers = bool(CODE_PROMPT.search(prompt))
    if face.finish is None and face.answer is not None:
        face.finish = face.answer_action("")
    return face
