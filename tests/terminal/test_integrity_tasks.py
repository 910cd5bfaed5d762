"""Task data (issue 14, class 7): no shipped terminal task pays for doing nothing or for a constant
guess. (Doing nothing is also checked for every task by the conformance kit, test_full_suite.py.)

For every task of terminal/core, the files its instruction asks for (backticked names the starting
state does not have) are filled with a constant, and the task's own check must say 0. Tasks that
only change existing files get no new file: for them a guess is doing nothing, which must say 0 too."""

from __future__ import annotations

import re
import shlex

import pytest
from terminal_helpers import SANDBOX, needs_bwrap

from envgym.kernel.context import EnvContext
from envgym_terminal import TerminalEnvironment
from envgym_terminal.verifier import VerifierRun

GUESSES = ["0", "1", ""]
NAME_RE = re.compile(r"`([\w./-]+\.(?:txt|csv|json|db|gz|sh|py|yaml|log))`")


def outputs_of(task) -> list[str]:
    """Output files the instruction names (inputs are already in the starting state and skipped)."""
    return sorted({m for m in NAME_RE.findall(task.prompt) if not m.startswith("/")})


@needs_bwrap
@pytest.mark.slow
@pytest.mark.parametrize("task_id", [t.id for t in TerminalEnvironment.tasks("core")])
async def test_no_constant_guess_passes(task_id):
    task = TerminalEnvironment.get_task("core", task_id)
    names = outputs_of(task)
    ctx = EnvContext(sandbox=SANDBOX)
    env = TerminalEnvironment("core", context=ctx)
    try:
        await env.reset(task)
        # Only files that do not exist yet are the answer's: an input is never overwritten.
        box, workdir = env.ws.box, env.ws.workdir
        listed = await box.exec(["bash", "-c", 'for f in "$@"; do [ -e "$f" ] || echo "$f"; done', "x", *names])
        targets = listed.stdout.split()
        for guess in GUESSES:
            writes = " ".join(
                f"mkdir -p $(dirname {shlex.quote(t)}) && printf %s {shlex.quote(guess)} > {shlex.quote(t)};"
                for t in targets
            )
            await box.exec(["bash", "-c", writes or "true"])
            grade = await VerifierRun(
                task.private["tests_b64"], workdir, float(task.metadata["verifier_timeout_sec"]), {}
            ).grade(box)
            assert (grade.reward, grade.status) == (0.0, "ok"), (task_id, guess, targets, grade)
    finally:
        await env.close()
        await ctx.aclose()
