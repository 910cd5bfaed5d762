"""The coding tools, declared as methods (envgym.kernel.tools): what each does inside the episode's sandbox,
and the schema a model sees, from the same signature and docstring.

Every tool answers with text the model can read; a bad argument is answered with ``Error: ...``
rather than ending the episode. Outputs are cut to ``OUTPUT_CHARS`` characters per stream. Every
command has a time limit of its own, cut to what the step has left (envgym/kernel/step_budget.py): one that
runs too long is killed and the answer says so; the episode goes on.

Example:
    >>> [t.function.name for t in tool_schemas("repo")]
    ['bash', 'read_file', 'write_file', 'list_files', 'run_tests', 'submit']
"""

from __future__ import annotations

import shlex
from typing import Annotated, Any

from pydantic import Field

from envgym.kernel.step_budget import StepBudget
from envgym.kernel.tools import Toolbox, tool
from envgym.protocol import Grade, Tool
from envgym.protocol.errors import SandboxError
from envgym.sandbox.base import ExecResult, Sandbox

PYTHON = "/usr/bin/python3"
OUTPUT_CHARS = 8000
MAX_READ_BYTES = 200_000
MAX_TIMEOUT_S = 60.0
TESTS_TIMEOUT_S = 90.0  # run_tests; under the server's default step timeout with room to spare
LIST_TIMEOUT_S = 15.0

Timeout = Annotated[float, Field(ge=1, le=MAX_TIMEOUT_S)]


class CodingTools:
    """The tools of the coding family's multi-turn suites, mixed into its environment, which provides
    the sandbox (``_box``), the step's time budget (``budget``), the task's test folder and grading."""

    budget: StepBudget
    _runs: int

    async def _box(self) -> Sandbox:
        raise NotImplementedError

    def _test_dir(self) -> str:
        raise NotImplementedError

    async def _grade_code(self, code: str) -> Grade:
        raise NotImplementedError

    async def _grade_workspace(self) -> Grade:
        raise NotImplementedError

    @tool
    async def run_python(self, code: str, stdin: str | None = None, timeout: Timeout = 10) -> str:
        """Run a Python 3.11 program in your sandbox and see its stdout, stderr and exit code.
        Limits: `timeout` seconds (default 10, at most 60) of wall time, 1 GB of memory, no network,
        8000 characters of output per stream. Files you write persist between runs.

        Args:
            code: the program's source
            stdin: text fed to the program's standard input
            timeout: seconds of wall time (default 10)
        """
        box = await self._box()
        self._runs += 1
        path = f"/tmp/envgym_run_{self._runs}.py"
        await box.write_file(path, code)
        return await _run(box, [PYTHON, path], timeout, self.budget, stdin=stdin if stdin is not None else "")

    @tool(name="submit", ends_turn=True)
    async def submit_code(self, code: str) -> Grade:
        """Submit your final solution: the complete function (with its def line and imports). Ends the episode.

        Args:
            code: the complete function, with its def line and imports
        """
        return await self._grade_code(code)

    @tool
    async def bash(self, command: str, timeout: Timeout = 30) -> str:
        """Run a bash command in /workspace (no network; default timeout 30 s, at most 60). Returns exit
        code, stdout and stderr.

        Args:
            command: the bash command line to run
            timeout: seconds of wall time (default 30)
        """
        return await _run(await self._box(), ["bash", "-c", command], timeout, self.budget)

    @tool
    async def read_file(self, path: str) -> str:
        """Read a text file (path relative to /workspace).

        Args:
            path: file path relative to /workspace
        """
        try:
            data = await (await self._box()).read_file(path, max_bytes=MAX_READ_BYTES + 1)
        except SandboxError as exc:
            return f"Error: {exc.message}"
        text = data[:MAX_READ_BYTES].decode("utf-8", "replace")
        return text + (f"\n[... file longer than {MAX_READ_BYTES} bytes; cut]" if len(data) > MAX_READ_BYTES else "")

    @tool
    async def write_file(self, path: str, content: str) -> str:
        """Create or overwrite a file (path relative to /workspace) with `content`.

        Args:
            path: file path relative to /workspace
            content: the file's whole new content
        """
        try:
            await (await self._box()).write_file(path, content)
        except SandboxError as exc:
            return f"Error: {exc.message}"
        return f"wrote {len(content.encode())} bytes to {path}"

    @tool
    async def list_files(self, path: str | None = None) -> str:
        """List the files under a directory (default: the whole workspace).

        Args:
            path: directory relative to /workspace (default: all of it)
        """
        timeout = self.budget.limit(LIST_TIMEOUT_S)
        result = await (await self._box()).exec(
            [
                "bash",
                "-c",
                f"find {shlex.quote(path or '.')} -name __pycache__ -prune -o -name .pytest_cache "
                "-prune -o \\( -type f -o -type l \\) -print | sed 's|^\\./||' | sort | head -n 500",
            ],
            timeout=timeout,
        )
        return result.stdout if result.exit_code == 0 else format_exec(result, timeout)

    @tool
    async def run_tests(self, target: str | None = None, keyword: str | None = None) -> str:
        """Run the visible tests (pytest, in tests/). Optionally narrow them with `target` (a file or node
        id under tests/) and `keyword` (pytest -k). Hidden tests are not available here.

        Args:
            target: a test file or node id under tests/ (default: all visible tests)
            keyword: a pytest -k expression selecting tests by name
        """
        test_dir = self._test_dir()
        target = target or test_dir
        if not (target == test_dir or target.startswith(test_dir.rstrip("/") + "/")) or ".." in target.split("/"):
            raise ValueError(f"`target` must be under {test_dir}/ (only the visible tests can be run)")
        argv = [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", target]
        if keyword:
            argv += ["-k", keyword]
        return await _run(await self._box(), argv, TESTS_TIMEOUT_S, self.budget)

    @tool(name="submit", ends_turn=True)
    async def submit_repo(self) -> Grade:
        """Finish: the workspace as it is now is graded by hidden tests. Ends the episode."""
        return await self._grade_workspace()


TOOLBOXES = {
    "humaneval-tools": Toolbox.of(CodingTools, "run_python", "submit_code"),
    "repo": Toolbox.of(CodingTools, "bash", "read_file", "write_file", "list_files", "run_tests", "submit_repo"),
}


def tool_schemas(suite: str | None) -> list[Tool]:
    box = TOOLBOXES.get(suite or "")
    return box.schemas() if box is not None else []


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
