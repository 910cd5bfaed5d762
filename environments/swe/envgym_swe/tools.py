"""The agent's tools: ``bash``, ``str_replace_editor`` (the file editor SWE-agent and OpenHands give
their agents) and ``submit``, as OpenAI function schemas, and the editor's call into the container.

Example:
    >>> [t.function.name for t in (BASH_TOOL, EDITOR_TOOL, SUBMIT_TOOL)]
    ['bash', 'str_replace_editor', 'submit']
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from envgym.protocol import Tool
from envgym.sandbox.base import Sandbox
from envgym_terminal.shell import cap_text

EDITOR_SOURCE = (Path(__file__).with_name("editor_script.py")).read_text()
OUTPUT_LIMIT_CHARS = 16_000
EDITOR_TIMEOUT_S = 60.0

BASH_TOOL = Tool.define(
    "bash",
    "Run one bash command in the repository's container and get its output (stdout and stderr together) and exit "
    "code. Files and the working directory persist between calls; environment variables do not. Processes left in "
    "the background end when the call ends. There is no network. Long output is cut in the middle.",
    {"command": {"type": "string", "description": "the bash command or script to run"}},
    ["command"],
)
EDITOR_TOOL = Tool.define(
    "str_replace_editor",
    "View, create and edit files. `view` shows a file with line numbers (`view_range` [start, end], end -1 for the "
    "end of file) or a directory two levels deep. `create` writes a new file (`file_text`); it never overwrites. "
    "`str_replace` replaces `old_str`, which must occur exactly once in the file, by `new_str`. `insert` adds "
    "`new_str` after line `insert_line` (0: at the top). `undo_edit` reverts the last edit of `path`. Paths are "
    "absolute.",
    {
        "command": {
            "type": "string",
            "enum": ["view", "create", "str_replace", "insert", "undo_edit"],
            "description": "what to do: view, create, str_replace, insert or undo_edit",
        },
        "path": {"type": "string", "description": "absolute path of a file or directory, e.g. /testbed/setup.py"},
        "file_text": {"type": "string", "description": "create: the new file's content"},
        "old_str": {"type": "string", "description": "str_replace: the exact text to replace (unique in the file)"},
        "new_str": {"type": "string", "description": "str_replace: the replacement; insert: the text to insert"},
        "insert_line": {"type": "integer", "description": "insert: the line after which new_str goes"},
        "view_range": {"type": "array", "items": {"type": "integer"}, "description": "view: [start, end] lines"},
    },
    ["command", "path"],
)
SUBMIT_TOOL = Tool.define(
    "submit",
    "Finish: your changes to the repository (its diff against the starting commit) are graded by hidden tests.",
)

# Prefer the image's system interpreter: the instance's environment may be an old Python.
_RUN = 'if [ -x /usr/bin/python3 ]; then exec /usr/bin/python3 -c "$1"; else exec python3 -c "$1"; fi'


async def run_editor(box: Sandbox, args: dict[str, Any], workdir: str, env: dict[str, str]) -> str:
    """One editor call, run inside the container as the agent's user; its answer (or ``Error: ...``)."""
    if not isinstance(args.get("command"), str) or not isinstance(args.get("path"), str):
        raise ValueError("str_replace_editor needs `command` and an absolute `path`")
    request = json.dumps(
        {
            k: args[k]
            for k in ("command", "path", "file_text", "old_str", "new_str", "insert_line", "view_range")
            if k in args
        }
    )
    result = await box.exec(
        ["sh", "-c", _RUN, "sh", EDITOR_SOURCE], stdin=request.encode(), timeout=EDITOR_TIMEOUT_S, cwd=workdir, env=env
    )
    if result.timed_out:
        return f"Error: the editor did not finish within {EDITOR_TIMEOUT_S:g} s"
    text = result.stdout if result.stdout else (result.stderr or f"Error: the editor exited with {result.exit_code}")
    shown, dropped = cap_text(text, OUTPUT_LIMIT_CHARS)
    return shown + (f"\n[{dropped} characters omitted; use view_range to see a part]" if dropped else "")
