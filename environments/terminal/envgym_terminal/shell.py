"""The ``bash`` tool: one command per call in a fresh ``bash`` process, with the working directory
carried from call to call and the output capped for the model.

Each sandbox ``exec`` is a new process, so the shell's state does not persist by itself. Files do
(they live in the sandbox); the working directory is carried by ending every command with an EXIT
trap that prints a per-episode marker followed by ``$PWD``; the next call starts with ``cd`` there.
Every call is started in the task's working directory (the provider maps it), so until the first
report, and whenever the carried directory is gone, that is where commands run.
Environment variables, aliases and functions do not persist (docs/terminal.md says so).

Example:
    >>> shell = ShellState(marker="__m__")
    >>> shell.absorb("file\\n\\n__m__/app/src\\n"), shell.cwd
    ('file\\n', '/app/src')
    >>> "cd /app/src" in shell.wrap("ls")
    True
"""

from __future__ import annotations

import re
import secrets
import shlex
from dataclasses import dataclass

from envgym.kernel.step_budget import StepBudget
from envgym.sandbox.base import ExecResult, Sandbox

LARGE_COMMAND = 64 * 1024  # longer commands reach bash through a file, never its command line
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass
class ShellState:
    marker: str
    cwd: str | None = None  # as the sandbox's shell sees it; None until a command reports it

    def wrap(self, command: str) -> str:
        """The script actually run: stderr joined to stdout (so output keeps its order), start in the
        carried directory, and report the final directory on exit, whatever way the command ends."""
        # What no command line can carry, as a terminal would take it: a lone surrogate (JSON "\ud800" in
        # the call, not text) becomes U+FFFD and a NUL byte is dropped.
        command = _LONE_SURROGATE.sub("\ufffd", command).replace("\x00", "")
        trap = f"__envgym_rc=$?; printf '\\n%s%s\\n' {shlex.quote(self.marker)} \"$PWD\"; exit $__envgym_rc"
        cd = f"cd {shlex.quote(self.cwd)} 2>/dev/null\n" if self.cwd else ""
        return f"exec 2>&1\n{cd}trap {shlex.quote(trap)} EXIT\n{command}\n"

    async def run(self, box: Sandbox, command: str, *, timeout: float, cwd: str) -> tuple[ExecResult, str]:
        """Run ``command`` in the carried shell: (its result, its output without the marker line). A
        script longer than a command line holds (~128 KB) reaches bash through a file in /tmp."""
        script = self.wrap(command)
        if len(script) <= LARGE_COMMAND:
            result = await box.exec(script, timeout=timeout, cwd=cwd)
        else:
            path = f"/tmp/.envgym-cmd-{secrets.token_hex(8)}"
            wrote = await box.exec(["bash", "-c", 'cat > "$1"', "-", path], stdin=script.encode(), timeout=60, cwd="/")
            if not wrote.ok:
                return wrote, (wrote.stdout + wrote.stderr).strip() or "could not write the command to /tmp"
            result = await box.exec(
                ["bash", "-c", 'f=$1; shift; rm -f "$f.run"; mv "$f" "$f.run" && exec bash "$f.run"', "-", path],
                timeout=timeout,
                cwd=cwd,
            )
            await box.exec(["rm", "-f", f"{path}.run"], timeout=30, cwd="/")
        return result, self.absorb(result.stdout + result.stderr)

    async def run_tool_call(
        self, box: Sandbox, command: str, *, limit_s: float, budget: StepBudget, cwd: str, output_limit: int
    ) -> str:
        """A bash tool call as the agent sees it: run under its own limit cut to the step's budget (so it
        ends, killed and reported, before the host's step timeout), output rendered and capped."""
        timeout = budget.limit(max(1.0, limit_s))
        result, output = await self.run(box, command, timeout=timeout, cwd=cwd)
        return render(result, output, output_limit, timeout)

    def absorb(self, stdout: str) -> str:
        """Strip the marker line from the output and update ``cwd`` from it (kept if it is missing)."""
        idx = stdout.rfind(self.marker)
        if idx < 0:
            return stdout
        tail = stdout[idx + len(self.marker) :]
        new_cwd = tail.split("\n", 1)[0]
        if new_cwd.startswith("/"):
            self.cwd = new_cwd
        head = stdout[:idx]
        # The trap's printf starts with a newline of its own; drop it so the output is as the command left it.
        return head[:-1] if head.endswith("\n") else head


def cap_text(text: str, limit: int) -> tuple[str, int]:
    """Keep the head and tail of ``text`` within ``limit`` characters; returns (text, characters dropped)."""
    if len(text) <= limit:
        return text, 0
    head = limit * 2 // 3
    tail = limit - head
    dropped = len(text) - head - tail
    return f"{text[:head]}\n[... {dropped} characters of output omitted ...]\n{text[len(text) - tail :]}", dropped


def render(result: ExecResult, output: str, limit: int, timeout_s: float) -> str:
    """What the model sees for one bash call: the (capped) output, then one status line."""
    shown, dropped = cap_text(output, limit)
    notes = []
    if result.truncated:
        notes.append("the output exceeded the sandbox's capture limit and its end was lost")
    if dropped:
        notes.append(f"output truncated: {dropped} of {len(output)} characters omitted")
    if result.timed_out:
        status = f"[command timed out after {timeout_s:g} s and was killed; processes it started were killed too]"
    else:
        status = f"[exit code: {result.exit_code}]"
    lines = [shown.rstrip("\n")] if shown.strip() else []
    lines += [f"[{n}]" for n in notes] + [status]
    return "\n".join(lines)
