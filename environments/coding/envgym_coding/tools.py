"""The coding tools: schemas (OpenAI function format) and what each does inside the episode's sandbox.

Every tool answers with text the model can read; a bad argument is answered with ``Error: ...``
rather than ending the episode. Outputs are cut to ``OUTPUT_CHARS`` characters per stream. Every
command has a time limit of its own, cut to what the step has left (envgym/step_budget.py): one that
runs too long is killed and the answer says so; the episode goes on.

Example:
    >>> [t.function.name for t in tool_schemas("repo")]
    ['bash', 'read_file', 'write_file', 'list_files', 'run_tests', 'submit']
"""

from __future__ import annotations

import shlex
from typing import Any

from envgym.errors import SandboxError
from envgym.protocol import Tool
from envgym.sandbox.base import ExecResult, Sandbox
from envgym.step_budget import StepBudget

PYTHON = "/usr/bin/python3"
OUTPUT_CHARS = 8000
MAX_READ_BYTES = 200_000
MAX_TIMEOUT_S = 60.0
TESTS_TIMEOUT_S = 90.0  # run_tests; under the server's default step timeout with room to spare
LIST_TIMEOUT_S = 15.0

RUN_PYTHON = Tool.define(
    "run_python",
    "Run a Python 3.11 program in your sandbox and see its stdout, stderr and exit code. "
    "Limits: `timeout` seconds (default 10, at most 60) of wall time, 1 GB of memory, no network, 8000 characters "
    "of output per stream. Files you write persist between runs.",
    {
        "code": {"type": "string", "description": "the program's source"},
        "stdin": {"type": "string", "description": "text fed to the program's standard input"},
        "timeout": {
            "type": "number",
            "minimum": 1,
            "maximum": MAX_TIMEOUT_S,
            "description": "seconds of wall time (default 10)",
        },
    },
    ["code"],
)
SUBMIT_CODE = Tool.define(
    "submit",
    "Submit your final solution: the complete function (with its def line and imports). Ends the episode.",
    {"code": {"type": "string", "description": "the complete function, with its def line and imports"}},
    ["code"],
)
BASH = Tool.define(
    "bash",
    "Run a bash command in /workspace (no network; default timeout 30 s, at most 60). Returns exit code, stdout and stderr.",
    {
        "command": {"type": "string", "description": "the bash command line to run"},
        "timeout": {
            "type": "number",
            "minimum": 1,
            "maximum": MAX_TIMEOUT_S,
            "description": "seconds of wall time (default 30)",
        },
    },
    ["command"],
)
READ_FILE = Tool.define(
    "read_file",
    "Read a text file (path relative to /workspace).",
    {"path": {"type": "string", "description": "file path relative to /workspace"}},
    ["path"],
)
WRITE_FILE = Tool.define(
    "write_file",
    "Create or overwrite a file (path relative to /workspace) with `content`.",
    {
        "path": {"type": "string", "description": "file path relative to /workspace"},
        "content": {"type": "string", "description": "the file's whole new content"},
    },
    ["path", "content"],
)
LIST_FILES = Tool.define(
    "list_files",
    "List the files under a directory (default: the whole workspace).",
    {"path": {"type": "string", "description": "directory relative to /workspace (default: all of it)"}},
)
RUN_TESTS = Tool.define(
    "run_tests",
    "Run the visible tests (pytest, in tests/). Optionally narrow them with `target` (a file or node id "
    "under tests/) and `keyword` (pytest -k). Hidden tests are not available here.",
    {
        "target": {"type": "string", "description": "a test file or node id under tests/ (default: all visible tests)"},
        "keyword": {"type": "string", "description": "a pytest -k expression selecting tests by name"},
    },
)
SUBMIT_REPO = Tool.define("submit", "Finish: the workspace as it is now is graded by hidden tests. Ends the episode.")


def tool_schemas(suite: str | None) -> list[Tool]:
    if suite == "humaneval-tools":
        return [RUN_PYTHON, SUBMIT_CODE]
    if suite == "repo":
        return [BASH, READ_FILE, WRITE_FILE, LIST_FILES, RUN_TESTS, SUBMIT_REPO]
    return []


def format_exec(result: ExecResult, timeout_s: float | None = None) -> str:
    def cut(text: str) -> str:
        return (
            text
            if len(text) <= OUTPUT_CHARS
            else text[:OUTPUT_CHARS] + f"\n[... {len(text) - OUTPUT_CHARS} more characters cut]"
        )

    if result.timed_out:
        limit = f" after {timeout_s:g} s" if timeout_s else ""
        head = (
            f"timed out: the command was killed{limit}, with every process it started; files it wrote "
            "are kept. Run long work in smaller pieces."
        )
    else:
        head = f"exit code: {result.exit_code}"
    return f"{head}\n--- stdout ---\n{cut(result.stdout)}\n--- stderr ---\n{cut(result.stderr)}"


async def _run(box: Sandbox, argv: list[str], wanted_s: float, budget: StepBudget, **kw: Any) -> str:
    timeout = budget.limit(wanted_s)
    return format_exec(await box.exec(argv, timeout=timeout, **kw), timeout)


def _timeout(args: dict[str, Any], default: float) -> float:
    value = args.get("timeout", default)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
        raise ValueError("`timeout` must be a positive number of seconds")
    return float(min(value, MAX_TIMEOUT_S))


def _text_arg(args: dict[str, Any], name: str, required: bool = True) -> str | None:
    value = args.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise ValueError(f"`{name}` must be a string")
    return value


async def run_python(box: Sandbox, args: dict[str, Any], counter: int, budget: StepBudget) -> str:
    code = _text_arg(args, "code")
    stdin = _text_arg(args, "stdin", required=False)
    wanted = _timeout(args, 10)
    path = f"/tmp/envgym_run_{counter}.py"
    await box.write_file(path, code or "")
    return await _run(box, [PYTHON, path], wanted, budget, stdin=stdin if stdin is not None else "")


async def bash(box: Sandbox, args: dict[str, Any], budget: StepBudget) -> str:
    command = _text_arg(args, "command") or ""
    return await _run(box, ["bash", "-c", command], _timeout(args, 30), budget)


async def read_file(box: Sandbox, args: dict[str, Any], _budget: StepBudget) -> str:
    path = _text_arg(args, "path") or ""
    try:
        data = await box.read_file(path, max_bytes=MAX_READ_BYTES + 1)
    except SandboxError as exc:
        return f"Error: {exc.message}"
    text = data[:MAX_READ_BYTES].decode("utf-8", "replace")
    return text + (f"\n[... file longer than {MAX_READ_BYTES} bytes; cut]" if len(data) > MAX_READ_BYTES else "")


async def write_file(box: Sandbox, args: dict[str, Any], _budget: StepBudget) -> str:
    path, content = _text_arg(args, "path") or "", _text_arg(args, "content") or ""
    try:
        await box.write_file(path, content)
    except SandboxError as exc:
        return f"Error: {exc.message}"
    return f"wrote {len(content.encode())} bytes to {path}"


async def list_files(box: Sandbox, args: dict[str, Any], budget: StepBudget) -> str:
    path = _text_arg(args, "path", required=False) or "."
    timeout = budget.limit(LIST_TIMEOUT_S)
    result = await box.exec(
        [
            "bash",
            "-c",
            f"find {shlex.quote(path)} -name __pycache__ -prune -o -name .pytest_cache "
            "-prune -o \\( -type f -o -type l \\) -print | sed 's|^\\./||' | sort | head -n 500",
        ],
        timeout=timeout,
    )
    return result.stdout if result.exit_code == 0 else format_exec(result, timeout)


async def run_tests(box: Sandbox, args: dict[str, Any], test_dir: str, budget: StepBudget) -> str:
    target = _text_arg(args, "target", required=False) or test_dir
    keyword = _text_arg(args, "keyword", required=False)
    if not (target == test_dir or target.startswith(test_dir.rstrip("/") + "/")) or ".." in target.split("/"):
        raise ValueError(f"`target` must be under {test_dir}/ (only the visible tests can be run)")
    argv = [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", target]
    if keyword:
        argv += ["-k", keyword]
    return await _run(box, argv, TESTS_TIMEOUT_S, budget)
