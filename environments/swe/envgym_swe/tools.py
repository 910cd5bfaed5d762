"""The editor's call into the container: ``str_replace_editor`` (the file editor SWE-agent and
OpenHands give their agents) runs ``editor_script.py`` there as the agent's user. The tools
themselves (``bash``, ``str_replace_editor``, ``submit``) are methods of ``SweEnvironment``.

Example:
    >>> "def main" in EDITOR_SOURCE, OUTPUT_LIMIT_CHARS
    (True, 16000)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from envgym.sandbox.base import Sandbox
from envgym_terminal.shell import cap_text

EDITOR_SOURCE = (Path(__file__).with_name("editor_script.py")).read_text()
OUTPUT_LIMIT_CHARS = 16_000
EDITOR_TIMEOUT_S = 60.0

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
