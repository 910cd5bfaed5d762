"""Grading one SWE episode (docs/architecture.md §7). The order is what keeps the reward honest:

1. **The agent's processes are killed** (``Sandbox.kill_all``) so nothing races what follows.
2. **Its change is read as a diff** against the base commit, with a git directory made fresh for the
   purpose (``gitcmd``): no config, hook, filter or attribute file the agent wrote is used. The
   agent's container is then closed: nothing in it outside the repository's files reaches grading
   (``/tmp``, ``$HOME``, daemons, site-packages, ``.git``).
3. **A fresh verifier container** starts from the instance's image (root, as SWE-bench's eval
   scripts need). The diff is applied there (one that does not apply scores 0).
4. **What the agent may not change is reverted**: files ``test_patch`` touches, test-runner
   configuration and module shadows (``protect.py``), each listed in the grade's details.
5. ``test_patch`` is checked against the base commit alone (if it does not apply there the
   *instance* is broken: ``grader_error``), then applied to the agent's tree (if that fails, the
   agent's change is in the way: 0).
6. The tests run: the instance's ``eval_script`` (SWE-bench >= 5 datasets) or its test command,
   between SWE-bench's output markers, under the verifier timeout (running over it scores 0).
7. The log is parsed by swebench's parser for the instance, in a worker thread, and the reward is 1
   only when every FAIL_TO_PASS and PASS_TO_PASS test passed (``parsers.passed``). Each test is one
   grade component.

Residual risk, shared by every harness that runs a repository's own tests (SWE-bench's included):
the tests execute the agent's code in the test process itself, so a change that rewrites the test
runner's reporting from inside the code under test is not told apart here. The diff is kept in the
grade's details for review.
"""

from __future__ import annotations

import asyncio
import shlex
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from envgym.protocol import Grade, GradeComponent
from envgym.protocol.errors import SandboxError
from envgym.sandbox.base import Sandbox
from envgym_swe import gitcmd, parsers, protect

MAX_DIFF_BYTES = 8 * 1024 * 1024
LOG_KEEP = 6000
VERIFY_DIR = "/tmp/envgym-verify"


@dataclass
class Plan:
    """What grading needs from the task record (built by ``environment.plan_for``)."""

    instance: dict[str, Any]  # instance_id, repo, version, fail_to_pass, pass_to_pass (for the parser)
    workdir: str
    base_commit: str | None  # None: SWE-smith form (the bug patch is committed first)
    bug_patch: str
    test_patch: str
    gold_files: set[str]
    protect: list[str]
    eval_script: str | None
    test_cmd: str | None
    log_parser: str
    timeout_s: float
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class AgentDiff:
    text: str | None
    reason: str | None = None  # why there is no diff to grade (the agent's doing: scored 0)


def _tail(text: str, keep: int = LOG_KEEP) -> str:
    return text if len(text) <= keep else f"[... {len(text) - keep} characters omitted ...]\n" + text[-keep:]


def commit_bug_script(workdir: str) -> str:
    """SWE-smith form: apply the bug (stdin) and commit it with a fixed identity and date, so the agent's
    container and the verifier's derive the same commit; prints its hash."""
    q = shlex.quote(workdir)
    return gitcmd.script(
        f"set -euo pipefail; cd {q}; {gitcmd.GIT} apply --whitespace=nowarn - && {gitcmd.GIT} add -A && "
        f"{gitcmd.GIT} commit -q --no-verify -m 'SWE-smith: introduce the bug' && {gitcmd.GIT} rev-parse HEAD"
    )


async def read_agent_diff(box: Sandbox, workdir: str, base: str) -> AgentDiff:
    """Kill the agent's processes and read its change (steps 1-2)."""
    await box.kill_all()
    made = await box.exec("umask 077 && mktemp -d", timeout=30)
    out_dir = made.stdout.strip()
    if not made.ok or not out_dir.startswith("/"):
        return AgentDiff(
            None,
            f"could not make a scratch directory in the agent's sandbox: {(made.stdout + made.stderr).strip()[:300]}",
        )
    run = await box.exec(gitcmd.diff_script(workdir, base, out_dir), timeout=300, env=gitcmd.git_env(out_dir), cwd="/")
    if run.timed_out or not run.ok:
        return AgentDiff(
            None,
            "reading the agent's change with git failed "
            f"({'timed out' if run.timed_out else f'exit {run.exit_code}'}): {(run.stdout + run.stderr).strip()[-600:]}",
        )
    size = int(run.stdout.strip().splitlines()[-1]) if run.stdout.strip() else -1
    if size > MAX_DIFF_BYTES:
        return AgentDiff(None, f"the change is {size} bytes, more than the {MAX_DIFF_BYTES} a submission may have")
    cat = await box.exec(["cat", f"{out_dir}/patch.diff"], timeout=60)
    if not cat.ok or cat.truncated:
        return AgentDiff(None, "could not read the agent's diff back")
    return AgentDiff(cat.stdout)


class Verifier:
    """Steps 3-7 in a fresh container made by ``make_box``."""

    def __init__(self, plan: Plan, make_box: Callable[[], Awaitable[Sandbox]]) -> None:
        self.plan = plan
        self.make_box = make_box
        self.details: dict[str, Any] = {}

    async def grade(self, diff: AgentDiff) -> Grade:
        if diff.text is None:
            return Grade(reward=0.0, passed=False, details={"reason": diff.reason})
        self.details["diff_bytes"] = len(diff.text.encode())
        self.details["diff"] = _tail(diff.text, 20000)
        try:
            box = await self.make_box()
        except SandboxError as exc:
            return Grade.grader_error(f"could not start the verifier container: {exc.message}")
        try:
            return await self._grade_in(box, diff.text)
        finally:
            await box.close()

    async def _git(self, box: Sandbox, script: str, stdin: str | bytes | None = None, timeout: float = 300) -> Any:
        return await box.exec(
            gitcmd.script(f"set -o pipefail; cd {shlex.quote(self.plan.workdir)}; {script}"),
            stdin=stdin,
            timeout=timeout,
            env=gitcmd.git_env(VERIFY_DIR + "/home"),
            cwd="/",
        )

    async def _grade_in(self, box: Sandbox, diff_text: str) -> Grade:
        plan, G = self.plan, gitcmd.GIT
        setup = await box.exec(f"mkdir -p {VERIFY_DIR}/home && chmod 700 {VERIFY_DIR}", timeout=30, cwd="/")
        if not setup.ok:
            return Grade.grader_error(f"verifier container: could not make {VERIFY_DIR}: {setup.stdout + setup.stderr}")
        base = plan.base_commit
        if base is None:
            made = await box.exec(
                commit_bug_script(plan.workdir),
                stdin=plan.bug_patch,
                timeout=300,
                env={**gitcmd.git_env(VERIFY_DIR + "/home"), **gitcmd.COMMIT_ENV},
                cwd="/",
            )
            if not made.ok:
                return Grade.grader_error(
                    f"the SWE-smith bug patch does not apply to the image: {_tail(made.stdout + made.stderr, 800)}"
                )
            base = made.stdout.strip().splitlines()[-1]
        else:
            head = await self._git(box, f"{G} checkout -q -f {shlex.quote(base)} && {G} rev-parse HEAD", timeout=120)
            if not head.ok:
                return Grade.grader_error(
                    f"the image does not hold base_commit {base}: {_tail(head.stdout + head.stderr, 800)}"
                )
        q = shlex.quote(base)
        # 3. the agent's change
        if diff_text.strip():
            applied = await self._git(box, f"{G} apply --binary --whitespace=nowarn -", stdin=diff_text.encode())
            if not applied.ok:
                return self._zero(
                    f"the agent's change does not apply to base_commit: {_tail(applied.stdout + applied.stderr, 800)}"
                )
        # 4. revert what the agent may not change
        listed = await self._git(box, f"{G} add -A && {G} diff --cached --name-only -z --no-renames {q}")
        if not listed.ok:
            return Grade.grader_error(
                f"verifier: listing the changed files failed: {_tail(listed.stdout + listed.stderr, 800)}"
            )
        changed = [p for p in listed.stdout.split("\0") if p]
        self.details["changed_files"] = changed[:200]
        test_files = protect.patch_files(plan.test_patch)
        reverts = protect.reverted_paths(
            changed, test_patch_files=test_files, gold_files=plan.gold_files, extra=plan.protect
        )
        # Files test_patch touches are reset even if the agent left them alone (a no-op then).
        restore = sorted(set(reverts) | test_files | set(plan.protect))
        if restore:
            script = (
                f"while IFS= read -r -d '' p; do "
                f'if {G} cat-file -e {q}:"$p" 2>/dev/null; then {G} checkout -q {q} -- "$p" || exit 1; '
                f'else {G} rm -q -r -f --cached --ignore-unmatch -- "$p" >/dev/null && rm -rf -- "$p" || exit 1; fi; done'
            )
            done = await self._git(box, script, stdin="".join(p + "\0" for p in restore).encode())
            if not done.ok:
                return self._zero(
                    f"could not restore the protected files (the agent's tree is in the way): {_tail(done.stdout + done.stderr, 800)}"
                )
        self.details["reverted"] = reverts
        # 5. test_patch: first against the base commit alone (an instance problem), then the agent's tree.
        if plan.test_patch.strip():
            idx = f"{VERIFY_DIR}/base.index"
            check = await self._git(
                box,
                f"GIT_INDEX_FILE={idx} {G} read-tree {q} && GIT_INDEX_FILE={idx} {G} apply --cached --check -",
                stdin=plan.test_patch.encode(),
            )
            if not check.ok:
                return Grade.grader_error(
                    f"the instance's test_patch does not apply to base_commit {base}: {_tail(check.stdout + check.stderr, 800)}"
                )
            if plan.eval_script is None:
                applied = await self._git(box, f"{G} apply --whitespace=nowarn -", stdin=plan.test_patch.encode())
                if not applied.ok:
                    return self._zero(
                        f"test_patch does not apply on top of the agent's change: {_tail(applied.stdout + applied.stderr, 800)}"
                    )
        # 6. the tests
        log, exit_code, timed_out = await self._run_tests(box)
        self.details.update(test_exit_code=exit_code, test_log=_tail(parsers.test_log_section(log)))
        if timed_out:
            return self._zero(f"the tests did not finish within the verifier timeout of {plan.timeout_s:g} s")
        # 7. the verdict
        try:
            statuses = await asyncio.to_thread(parsers.parse, plan.log_parser, log, plan.instance)
        except parsers.ParserUnavailable as exc:
            return Grade.grader_error(str(exc), **self.details)
        return self._verdict(statuses)

    async def _run_tests(self, box: Sandbox) -> tuple[str, int, bool]:
        plan = self.plan
        if plan.eval_script is not None:
            # SWE-bench's eval script: it activates its environment, resets and patches the test files
            # and prints its own markers; run as written (it is the instance's, not the agent's).
            # Its `set -x` markers go to stderr: one stream, as swebench reads the log.
            await box.write_file(f"{VERIFY_DIR}/eval.sh", plan.eval_script)
            cmd = ["bash", "-c", 'exec 2>&1; exec bash "$0"', f"{VERIFY_DIR}/eval.sh"]
        else:
            cmd = [
                "bash",
                "-c",
                f"exec 2>&1; cd {shlex.quote(plan.workdir)}; "
                f"if [ -f /opt/miniconda3/bin/activate ]; then . /opt/miniconda3/bin/activate testbed 2>/dev/null || true; fi; "
                f"echo '{parsers.START}'; {plan.test_cmd}\nrc=$?; echo '{parsers.END}'; exit $rc",
            ]
        run = await box.exec(
            cmd, timeout=plan.timeout_s, cwd=plan.workdir, env={"HOME": VERIFY_DIR + "/home", **plan.env}
        )
        return run.stdout + run.stderr, run.exit_code, run.timed_out

    def _verdict(self, statuses: dict[str, str]) -> Grade:
        plan = self.plan
        components = []
        failing = []
        for kind, names in (
            ("FAIL_TO_PASS", plan.instance["fail_to_pass"]),
            ("PASS_TO_PASS", plan.instance["pass_to_pass"]),
        ):
            for name in names:
                status = statuses.get(name)
                ok = parsers.passed(status)
                components.append(
                    GradeComponent(
                        name=f"{kind}: {name}",
                        reward=1.0 if ok else 0.0,
                        passed=ok,
                        details=status or "not in the test log",
                    )
                )
                if not ok:
                    failing.append(f"{kind} {name}: {status or 'not in the test log'}")
        resolved = not failing
        self.details.update(resolved=resolved, failing=failing[:50], tests_parsed=len(statuses))
        if not statuses:
            self.details["reason"] = "no test result could be read from the test log"
        return Grade(reward=1.0 if resolved else 0.0, passed=resolved, components=components, details=self.details)

    def _zero(self, reason: str) -> Grade:
        return Grade(reward=0.0, passed=False, details={**self.details, "reason": reason})
