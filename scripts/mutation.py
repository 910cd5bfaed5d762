"""Mutation testing of the modules that decide rewards, statuses, limits and access (docs/testing.md).

    .venv/bin/python scripts/mutation.py fast          # the auth check, safe_grade, the unit-test verdict
    .venv/bin/python scripts/mutation.py critical      # every set below (long: hours on a loaded machine)
    .venv/bin/python scripts/mutation.py verifier server --max-children 2

Runs mutmut on each chosen set with that set's tests and prints, per set, the score (killed over
all mutants, a mutant no selected test reaches counting as not killed), then every surviving or
untested mutant with its diff. Exit code 1 when a set scores under ``--fail-under`` (default 0: report only).

Why a staging directory: mutmut names a mutant after its file's path from the directory it runs in
and expects the tests to import the module under that name. Our distributions live in sub-folders
(``server/envgym_server``, ``graders/envgym_graders``, ...), so each run happens in
``.mutation/<set>/``, which holds links to the packages at top level, a link to ``tests/``, and a
pyproject.toml with the repository's pytest settings plus the set's ``[tool.mutmut]``. mutmut copies
these into ``mutants/`` and puts that first on ``sys.path``, so the mutated copies shadow the
editable installs.
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".mutation"


@dataclass(frozen=True)
class Target:
    """One module under mutation: ``package`` is its top-level package's folder (from the repository
    root), ``module`` its path from that folder's parent, ``tests`` the pytest paths or node ids that
    should catch its mutants, ``functions`` what to mutate (``Class.method`` or ``function``; the
    whole module when empty)."""

    package: str
    module: str
    tests: tuple[str, ...]
    functions: tuple[str, ...] = ()

    def name_globs(self) -> list[str]:
        dotted = self.module.removesuffix(".py").replace("/", ".")
        if not self.functions:
            return [f"{dotted}.*"]
        globs = []
        for fn in self.functions:
            cls, _, meth = fn.rpartition(".")
            globs.append(f"{dotted}.xǁ{cls}ǁ{meth}__mutmut_*" if cls else f"{dotted}.x_{meth}__mutmut_*")
        return globs


@dataclass
class MutationSet:
    summary: str
    targets: list[Target] = field(default_factory=list)
    # pytest-timeout's limit per test in this set's runs, when the repository's (600 s) is too long:
    # a mutant that makes a test wait forever uses no CPU, so mutmut's CPU limit never ends it.
    test_timeout_s: int | None = None


V = "environments/terminal/envgym_terminal"
# The tests of the text graders and of their composition (none needs a sandbox).
TEXT_GRADER_TESTS = (
    "tests/graders/test_match.py",
    "tests/graders/test_pathological.py",
    "tests/graders/test_weighted.py",
    "tests/graders/test_text_grader_rules.py",
    "tests/graders/test_grader_config.py",
)
SETS: dict[str, MutationSet] = {
    "fast": MutationSet(
        "the bearer-token check, safe_grade and the unit-test verdict: unit tests only",
        [
            Target(
                "server/envgym_server",
                "envgym_server/limits.py",
                ("tests/server/test_limits.py::test_token_check_is_exact_and_constant_time",),
                ("AccessAndLimitsMiddleware.authorized",),
            ),
            Target("envgym", "envgym/kernel/grader.py", ("tests/graders/test_safe_grade.py",), ("Grader.safe_grade",)),
            Target(
                "graders/envgym_graders",
                "envgym_graders/unit_tests/grader.py",
                ("tests/graders/test_unit_tests_verdict.py",),
                ("UnitTestsGrader._verdict",),
            ),
        ],
    ),
    "graders": MutationSet(
        "the grader base and the text graders (exact, regex, numeric, weighted): unit tests only",
        [
            Target(
                "envgym",
                "envgym/kernel/grader.py",
                (*TEXT_GRADER_TESTS, "tests/graders/test_safe_grade.py", "tests/graders/test_grader_base_rules.py"),
            ),
            Target("graders/envgym_graders", "envgym_graders/match.py", TEXT_GRADER_TESTS),
            Target("graders/envgym_graders", "envgym_graders/numeric.py", TEXT_GRADER_TESTS),
            Target("graders/envgym_graders", "envgym_graders/weighted.py", TEXT_GRADER_TESTS),
        ],
    ),
    "graders-sandboxed": MutationSet(
        "the unit-test and rubric graders (sandboxed unit tests, a judge per test: slow)",
        [
            Target(
                "graders/envgym_graders",
                "envgym_graders/unit_tests/grader.py",
                (
                    "tests/graders/test_unit_tests.py",
                    "tests/graders/test_unit_tests_verdict.py",
                    "tests/graders/test_unit_tests_payload.py",
                ),
            ),
            Target("graders/envgym_graders", "envgym_graders/rubric/grader.py", ("tests/rubric",)),
        ],
    ),
    # Against the verifier's rules as functions and `VerifierRun.grade` on a scripted sandbox: each
    # way a check can end is made to happen exactly, in milliseconds. The bwrap suite
    # (test_integrity_verifier.py) proves the whole in a real sandbox, but at ~60 s per surviving
    # mutant it kept the set from finishing, and a guarantee it alone checks belongs in a unit test.
    "verifier": MutationSet(
        "the terminal verifier: its rules and its run on a scripted sandbox (unit tests only)",
        [
            Target(
                V,
                "envgym_terminal/verifier.py",
                ("tests/terminal/test_verifier_rules.py", "tests/terminal/test_verifier_run.py"),
            ),
        ],
    ),
    "server": MutationSet(
        "auth, body cap, the session host and the error codes (real app per test: slow)",
        [
            Target(
                "server/envgym_server",
                "envgym_server/limits.py",
                ("tests/server/test_access_middleware.py", "tests/server/test_limits.py"),
            ),
            Target(
                "envgym",
                "envgym/host/sessions.py",
                ("tests/server/test_episode_host.py", "tests/server/test_limits.py", "tests/server/test_faults.py"),
            ),
            Target(
                "envgym", "envgym/protocol/errors.py", ("tests/core/test_errors.py", "tests/server/test_contract.py")
            ),
        ],
    ),
    "stats": MutationSet(
        "eval statistics (pass@k, intervals)",
        [
            Target("envgym", "envgym/eval/stats.py", ("tests/eval/test_stats.py",)),
        ],
    ),
    "bounded": MutationSet(
        "bounded execution of CPU work on untrusted text (worker processes)",
        [
            Target("envgym", "envgym/kernel/bounded.py", ("tests/core/test_bounded.py",)),
        ],
    ),
    "limits": MutationSet(
        "the sandbox cgroup caps, the step's command budget and the host's step deadline: unit tests only",
        [
            # Against a fake cgroup tree: the bwrap tests check the same code against the kernel, but
            # start sandboxes (minutes per mutant).
            Target("envgym", "envgym/sandbox/cgroups.py", ("tests/sandbox/test_cgroups.py",)),
            Target(
                "envgym",
                "envgym/kernel/step_budget.py",
                ("tests/core/test_step_budget.py", "tests/core/test_typed_settings.py"),
            ),
            Target("envgym", "envgym/host/deadline.py", ("tests/core/test_host_deadline.py",)),
            # No mutants: a pydantic model (class-level fields) and two properties, and mutmut mutates
            # neither class bodies nor decorated functions. Listed so that the set names every module
            # deciding a limit; tests/server/test_host_limits.py states its guarantees.
            Target("envgym", "envgym/host/limits.py", ("tests/server/test_host_limits.py",)),
        ],
    ),
    "conformance": MutationSet(
        "the conformance kit's checks (oracle 1, nop 0, statuses, mirrors, schemas, leftovers): unit tests only",
        [
            Target(
                "envgym",
                "envgym/testing/conformance.py",
                # The rules, tested one by one in-process. tests/plugins/test_conformance.py (the whole
                # kit against small families) is left out: every mutant of a rule would run all of
                # its check_environment runs, one of them waiting 3 s for a leaked process.
                ("tests/plugins/test_conformance_rules.py",),
                # Every function that decides a check's outcome. Left out: check_environment_async and
                # run_all (the orchestration: which suites, the temp directory, the progress bar; the
                # end-to-end tests cover them), CheckReport.summary (the CLI's text), check_environment
                # (a wrapper), _jsonschema (an import error's message). CheckReport.ok is a property,
                # which mutmut does not mutate (test_conformance_rules.py tests it).
                (
                    "CheckFailure.__str__",
                    "CheckReport.record",
                    "CheckReport.failures_of",
                    "CheckReport.rows",
                    "_sandbox_leftovers",
                    "_child_processes",
                    "_round_trip",
                    "check_tool",
                    "_check_suite",
                    "_check_task",
                    "_CheckedEpisode._observation",
                    "_CheckedEpisode._info",
                    "_CheckedEpisode._result",
                    "_CheckedEpisode.reset",
                    "_CheckedEpisode.step",
                    "_CheckedEpisode.close",
                    "_expectation",
                    "_run_job",
                    "_settled",
                ),
            ),
        ],
    ),
}
# The conformance kit's orchestration, against the end-to-end tests: which suites and tasks are
# checked, the private temp directory and the child processes left after the run (the close
# check's host-wide part). Slow (every mutant runs the check_environment
# runs, one waiting 3 s for a leaked process), so kept out of "conformance".
SETS["conformance-kit"] = MutationSet(
    "the conformance kit's orchestration: check_environment_async and suite_targets (end-to-end: slow)",
    [
        Target(
            "envgym",
            "envgym/testing/conformance.py",
            ("tests/plugins/test_conformance.py",),
            # run_all is left out: its bound is tested in test_conformance_rules.py, the rest of it is a
            # transient progress bar that rich draws only on a terminal.
            ("check_environment_async", "suite_targets"),
        )
    ],
)
# The part of bounded.py that runs outside the call path's timing: the worker's loop and entry (served
# in-process by the tests, so mutmut sees which tests reach them), error transport, and the
# process-wide pool's lifecycle. A subset of "bounded" that finishes in minutes rather than hours.
SETS["bounded-worker"] = MutationSet(
    "bounded.py's worker loop, error transport and pool lifecycle (a part of the bounded set)",
    [
        Target(
            "envgym",
            "envgym/kernel/bounded.py",
            ("tests/core/test_bounded.py",),
            (
                "_worker_main",
                "_worker_entry",
                "_portable_error",
                "_fail_waiter",
                "worker_pids",
                "default_pool",
                "configure",
                "close_default_pool",
                "run_bounded",
                "OverBudget.__init__",
                "WorkerPool.close",
            ),
        )
    ],
    test_timeout_s=60,  # as bounded-pool's (below)
)
# The rest of bounded.py (the pool's side: starting, handing out, timing and replacing workers, the
# socket framing): with bounded-worker, the whole module in two runs. Its tests start real workers,
# so a surviving mutant costs about a minute, and a mutant that leaves a test waiting (a worker that
# never answers) a whole test timeout: 60 s here (the slowest test takes ~2 s; the repository's 600 s
# made that ten minutes a mutant). Still hours on 2 cores (--resume continues).
SETS["bounded-pool"] = MutationSet(
    "bounded.py's pool: worker start, hand-over, the call and its budget, replacement (a part of the bounded set)",
    [
        Target(
            "envgym",
            "envgym/kernel/bounded.py",
            ("tests/core/test_bounded.py",),
            (
                "_send",
                "_recv_exact",
                "_cpu_seconds",
                "_Worker.__init__",
                "_Worker.kill",
                "WorkerPool.__init__",
                "WorkerPool._start_worker",
                "WorkerPool._refill",
                "WorkerPool._start_one_in_background",
                "WorkerPool._release",
                "WorkerPool._acquire",
                "WorkerPool.run",
                "WorkerPool._call",
                "_read_reply",
                "_sock_recv_exact",
                "_hand_over",
            ),
        )
    ],
    test_timeout_s=60,
)

# The session host's methods the stopped "server" run left open or did not reach, against the host's
# own tests (no HTTP, a frozen clock where time matters): a part of "server" that finishes in minutes.
SETS["server-host"] = MutationSet(
    "EpisodeHost's creation, release, run_limited, the reapers and shutdown (a part of the server set)",
    [
        Target(
            "envgym",
            "envgym/host/sessions.py",
            ("tests/server/test_episode_host.py",),
            (
                "EpisodeHost.create",
                "EpisodeHost._release",
                "EpisodeHost.run_limited",
                "EpisodeHost.start_reaper",
                "EpisodeHost._reap_delay",
                "EpisodeHost.reap_ttl",
                "EpisodeHost._reap_forever",
                "EpisodeHost.reap_idle",
                "EpisodeHost.aclose",
            ),
        )
    ],
)
CRITICAL = [
    "fast",
    "graders",
    "graders-sandboxed",
    "verifier",
    "server",
    "stats",
    "bounded",
    "limits",
    "conformance",
    "conformance-kit",
]
COUNTED_KILLED = {"killed", "timeout", "caught by type check"}
NOT_CHECKED = "not checked"  # a mutant an interrupted run did not reach: left out of the score, and counted


def each_mutation(
    glob: str, line: str, mutated: str, fills: tuple[str, ...], why: str
) -> list[tuple[str, str, str, str]]:
    """EQUIVALENT entries for several mutants of one line with one reason: ``mutated`` with each of
    ``fills`` in its ``{}``."""
    return [(glob, line, mutated.format(fill), why) for fill in fills]


# Mutants that cannot change behaviour, left out of the score: (mutant name glob, the line as it is,
# the line as mutated, why). Matched on the lines rather than mutmut's numbers, so an edit of the
# code makes a stale entry stop matching (the mutant is then counted again) instead of hiding another.
VERDICT = "envgym_graders.unit_tests.grader.xǁUnitTestsGraderǁ_verdict__mutmut_*"
EQUIVALENT: list[tuple[str, str, str, str]] = [
    # A removed argument shows as its line removed and nothing added (the calls are one argument a line).
    (VERDICT, "reward=0.0,", "", "reward=0.0 is Grade's default"),
    (VERDICT, "passed=False,", "", "passed=False is Grade's default"),
    (VERDICT, "weight=1.0,", ")", "weight=1.0 is GradeComponent's default (the call's closing bracket moves up)"),
    (
        "envgym_terminal.verifier.xǁVerifierRunǁ_install_unprotected__mutmut_*",
        "reward=0.0,",
        "",
        "reward=0.0 is Grade's default",
    ),
    (
        "envgym_terminal.verifier.xǁVerifierRunǁ_install_unprotected__mutmut_*",
        "passed=False,",
        "",
        "passed=False is Grade's default",
    ),
    (
        "envgym_terminal.verifier.xǁVerifierRunǁ_run_and_read__mutmut_*",
        "signal_no = run.killed_by_signal or (-run.exit_code if run.exit_code < 0 else None)",
        "signal_no = run.killed_by_signal or (-run.exit_code if run.exit_code <= 0 else None)",
        "at exit code 0 it gives -0, which is 0 and falsy like None: no signal either way",
    ),
    (
        "envgym.host.sessions.xǁEpisodeHostǁstep__mutmut_*",
        "await asyncio.shield(self._end(session, session.env.status))",
        "await asyncio.shield(self._end(session, None))",
        "the release awaited next sets the same status (the environment's, finished); only a reader in between could tell",
    ),
    (
        "envgym.host.sessions.xǁEpisodeHostǁ_interrupt__mutmut_*",
        'def _interrupt(session: Session, reason: str = "closed") -> bool:',
        'def _interrupt(session: Session, reason: str = "XXclosedXX") -> bool:',
        'the reason is only compared with "client_gone": any other value means closed',
    ),
    (
        "envgym.host.sessions.xǁEpisodeHostǁ_interrupt__mutmut_*",
        'def _interrupt(session: Session, reason: str = "closed") -> bool:',
        'def _interrupt(session: Session, reason: str = "CLOSED") -> bool:',
        'the reason is only compared with "client_gone": any other value means closed',
    ),
    (
        "envgym_terminal.verifier.xǁVerifierRunǁ_grade_from_files__mutmut_*",
        'passed=normalise(value, "reward.json", low, high) >= 1.0,',
        "passed=normalise(value, None, low, high) >= 1.0,",
        "the same value was normalised on the line before (naming the metric), so this call never raises its message",
    ),
    *(
        ("envgym_terminal.verifier.xǁVerifierRunǁ_run_and_read__mutmut_*", line, "", f"{line[:-1]} is Grade's default")
        for line in ("reward=0.0,", "passed=False,")
    ),
    (
        "envgym_terminal.verifier.xǁVerifierRunǁ_run_and_read__mutmut_*",
        "signal_no = run.killed_by_signal or (-run.exit_code if run.exit_code < 0 else None)",
        "signal_no = run.killed_by_signal or (-run.exit_code if run.exit_code < 1 else None)",
        "at exit code 0 it gives -0, which is 0 and falsy like None: no signal either way",
    ),
    *each_mutation(
        "envgym_terminal.verifier.xǁVerifierRunǁ_grade_from_files__mutmut_*",
        'passed=normalise(value, "reward.json", low, high) >= 1.0,',
        'passed=normalise(value, "{}", low, high) >= 1.0,',
        ("XXreward.jsonXX", "REWARD.JSON"),
        "the same value was normalised on the line before (naming the metric), so this call never raises its message",
    ),
    *each_mutation(
        "envgym_terminal.verifier.x_build_area__mutmut_*",
        'tarfile.open(fileobj=out, mode="w:gz", compresslevel=1) as tar,',
        'tarfile.open(fileobj=out, mode="w:gz", {}) as tar,',
        ("", "compresslevel=2"),
        "the compression level changes the archive's size and the time to make it, not what it holds",
    ),
    (
        "envgym_terminal.verifier.x_build_area__mutmut_*",
        'tarfile.open(fileobj=io.BytesIO(tests_tar_gz), mode="r:gz") as src,',
        "tarfile.open(fileobj=io.BytesIO(tests_tar_gz), ) as src,",
        "tarfile's default mode reads gzip transparently, and the tests archive is always gzip (bundle.pack_dir)",
    ),
    (
        "envgym_terminal.verifier.x_build_area__mutmut_*",
        'test_sh = src.extractfile(member).read().decode("utf-8", "replace")  # type: ignore[union-attr]',
        'test_sh = src.extractfile(member).read().decode("UTF-8", "replace")  # type: ignore[union-attr]',
        "codec names are not case-sensitive",
    ),
    (
        "envgym_terminal.verifier.xǁVerifierRunǁ_read_rewards__mutmut_*",
        'found.append((label, data.decode("utf-8", "replace")))',
        'found.append((label, data.decode("UTF-8", "replace")))',
        "codec names are not case-sensitive",
    ),
    (
        "envgym_terminal.verifier.x_parse_reward_json__mutmut_*",
        'data = json.loads(text, parse_constant=lambda c: float("nan"))',
        'data = json.loads(text, parse_constant=lambda c: float("NAN"))',
        'float("NAN") is NaN too',
    ),
    (
        "envgym_terminal.verifier.xǁVerifierRunǁgrade__mutmut_*",
        "low, high = self.reward_range or (0.0, 1.0)",
        "low, high = self.reward_range or (0.0, 2.0)",
        "here the range is only checked for use (finite, low < high), which [0, 2] passes as [0, 1] does; "
        "the reward is normalised by _grade_from_files with its own default",
    ),
    (
        "envgym.host.sessions.xǁEpisodeHostǁ__init____mutmut_*",
        "self._shutting_down = False",
        "self._shutting_down = None",
        "read only as a truth value (`if self._shutting_down`), where None is False",
    ),
    *(
        (
            "envgym_server.limits.xǁAccessAndLimitsMiddlewareǁ_call_counting__mutmut_*",
            f"{flag} = False",
            f"{flag} = None",
            "read only as a truth value until it is set to True, and None is as false as False",
        )
        for flag in ("refused", "body_done")
    ),
    *each_mutation(
        "envgym_server.limits.xǁAccessAndLimitsMiddlewareǁ_call_counting__mutmut_*",
        'body_done = not message.get("more_body", False)',
        'body_done = not message.get("more_body", {})',
        ("None", ""),
        "`not` of a missing more_body is True whether the default is False or None",
    ),
    (
        "envgym_server.limits.xǁAccessAndLimitsMiddlewareǁ__init____mutmut_*",
        "self.on_error = on_error or (lambda code: None)",
        "self.on_error = on_error or (lambda code: 0)",
        "on_error's return value is never read",
    ),
    (
        "envgym.host.sessions.xǁEpisodeHostǁ_remember_finished__mutmut_*",
        "self._finished[session_id] = None",
        'self._finished[session_id] = ""',
        "_finished is an ordered set of ids (a dict for its order): its values are never read",
    ),
    (
        "envgym.host.sessions.xǁEpisodeHostǁ_remember_finished__mutmut_*",
        "self._sessions.pop(oldest, None)",
        "self._sessions.pop(oldest, )",
        "every id in _finished is in _sessions (close, the reapers and shutdown remove it from both), so pop never misses",
    ),
    (
        "envgym.host.sessions.xǁEpisodeHostǁreap_idle__mutmut_*",
        "self._sessions.pop(session.id, None)",
        "self._sessions.pop(session.id, )",
        "the sessions popped were just listed from _sessions, with no await in between, so pop never misses",
    ),
    (
        "envgym.host.sessions.xǁEpisodeHostǁcreate__mutmut_*",
        'task = request.task if request.task is not None else await load_task(ref, request.task_id or "")',
        'task = request.task if request.task is not None else await load_task(ref, request.task_id or "XXXX")',
        "SessionCreate's validator requires exactly one of task_id and task: without a task, task_id is set",
    ),
    (
        "envgym.host.sessions.xǁEpisodeHostǁcreate__mutmut_*",
        "await asyncio.shield(self._end(session, session.status))",
        "await asyncio.shield(self._end(session, None))",
        "session.status was set on the line before (env_error or timeout), and _end(None) keeps it",
    ),
    (
        "envgym.host.sessions.xǁEpisodeHostǁ_release__mutmut_*",
        "session.status = session.env.status if session.env.status.is_finished else EpisodeStatus.truncated",
        "session.status = session.env.status if (session.env.status.is_finished) or True else EpisodeStatus.truncated",
        "env.close() (awaited above) turns a running episode's status into truncated before on_close, and a "
        "session is in the table only after its reset: the environment's status is finished here",
    ),
    (
        "envgym.host.sessions.xǁEpisodeHostǁrun_limited__mutmut_*",
        "task = work if isinstance(work, asyncio.Future) else asyncio.ensure_future(work)",
        "task = work if (isinstance(work, asyncio.Future)) and False else asyncio.ensure_future(work)",
        "asyncio.ensure_future returns a future of the running loop as it is",
    ),
    (
        "envgym.eval.stats.x_pass_at_k__mutmut_*",
        "if n - c < k:",
        "if n + c < k:",
        "a shortcut: when n - c < k <= n the running product has the factor 1 - k/k = 0 and gives 1.0 too",
    ),
    (
        "envgym.eval.stats.x_t975__mutmut_*",
        "if df < bound:",
        "if df <= bound:",
        "the bounds (40, 60, 120) are tabled, so they return before this loop",
    ),
    ("envgym.eval.stats.x_t975__mutmut_*", 'return float("nan")', 'return float("NAN")', "float() ignores the case"),
    (
        "envgym.kernel.bounded.xǁWorkerPoolǁrun__mutmut_*",
        'module = getattr(fn, "__module__", None) or getattr(type(getattr(fn, "__self__", None)), "__module__", None)',
        'module = getattr(fn, "__module__", None) or getattr(type(getattr(fn, "__self__", None)), "__module__", )',
        "every type has a __module__ (a built-in one's is 'builtins'), so the default is never used",
    ),
    (
        "envgym.kernel.bounded.xǁWorkerPoolǁrun__mutmut_*",
        "self._modules.setdefault(module, None)",
        "self._modules.setdefault(module, )",
        "None is setdefault's default value",
    ),
    (
        "envgym.kernel.bounded.xǁWorkerPoolǁ__init____mutmut_*",
        "self._closed = False",
        "self._closed = None",
        "_closed is only read as a truth value",
    ),
    (
        "envgym.kernel.bounded.xǁWorkerPoolǁrun__mutmut_*",
        "healthy = False",
        "healthy = None",
        "healthy is only read as a truth value",
    ),
    *each_mutation(
        "envgym.kernel.bounded.x__recv_exact__mutmut_*",
        "chunk = sock.recv(min(left, 1 << 20))  # a reset connection raises OSError, as EOF does below",
        "chunk = sock.recv(min(left, {}))  # a reset connection raises OSError, as EOF does below",
        ("2 << 20", "1 << 21"),
        "the most one read asks for: the bytes read are the same, in fewer reads",
    ),
    *each_mutation(
        "envgym.kernel.bounded.x__sock_recv_exact__mutmut_*",
        "chunk = await loop.sock_recv(sock, min(left, 1 << 20))",
        "chunk = await loop.sock_recv(sock, min(left, {}))",
        ("2 << 20", "1 << 21"),
        "the most one read asks for: the bytes read are the same, in fewer reads",
    ),
    (
        "envgym.kernel.bounded.xǁWorkerPoolǁ_refill__mutmut_*",
        "if missing <= 0 or self._closed:",
        "if missing < 0 or self._closed:",
        "with missing == 0 the rest adds 0 to _starting and starts no thread",
    ),
    (
        "envgym.kernel.bounded.x__worker_main__mutmut_*",
        "fn: Any = None",
        'fn: Any = ""',
        "fn is shown only when a call's result cannot be sent back, and by then it holds the function called",
    ),
    (
        "envgym.kernel.bounded.x__worker_main__mutmut_*",
        '_send(sock, ("error", RuntimeError(f"the result of {fn!r} cannot be sent back: {exc}"), ""))',
        '_send(sock, ("error", RuntimeError(f"the result of {fn!r} cannot be sent back: {exc}"), "XXXX"))',
        "the parent reads only the exception of an error reply (WorkerPool._call raises rest[0]), not its traceback",
    ),
    (
        "envgym_graders.numeric.x__check_exponent__mutmut_*",
        'digits = exponent.lstrip("+-").lstrip("0")',
        'digits = exponent.lstrip("XX+-XX").lstrip("0")',
        "an exponent is [-+]?digits (the _NUM and _TIMES patterns): it never holds an X",
    ),
    (
        "envgym_graders.numeric.x__check_exponent__mutmut_*",
        'digits = exponent.lstrip("+-").lstrip("0")',
        'digits = exponent.lstrip("+-").lstrip("XX0XX")',
        "an exponent is [-+]?digits (the _NUM and _TIMES patterns): it never holds an X",
    ),
    (
        "envgym_graders.numeric.x__not_a_number__mutmut_*",
        'return Grade(reward=0.0, passed=False, details={"reason": reason})',
        'return Grade(passed=False, details={"reason": reason})',
        "reward=0.0 is Grade's default",
    ),
    (
        "envgym_graders.numeric.x__not_a_number__mutmut_*",
        'return Grade(reward=0.0, passed=False, details={"reason": reason})',
        'return Grade(reward=0.0, details={"reason": reason})',
        "passed=False is Grade's default",
    ),
    (
        "envgym_graders.numeric.x_parse_exact__mutmut_*",
        "return (_plain(m.group(1)) / divisor, percent) if divisor != 0 else None",
        "return (_plain(m.group(1)) / divisor, percent) if (divisor != 0) or True else None",
        "dividing by 0 raises ZeroDivisionError, which the except below turns into the same None",
    ),
    (
        "envgym_graders.numeric.xǁNumericGraderǁscore_is_cheap__mutmut_*",
        "return True  # linear in the (capped) answer, with numbers of bounded size (module docstring)",
        "return False  # linear in the (capped) answer, with numbers of bounded size (module docstring)",
        "only where score runs (inline or in a bounded worker) changes, not the grade: a cost, for benchmarks/",
    ),
    (
        "envgym_graders.match.xǁRegexGraderǁscore__mutmut_*",
        'reward=0.0, passed=False, details={"reason": f"the answer is longer than {max_chars} characters"}',
        'passed=False, details={"reason": f"the answer is longer than {max_chars} characters"}',
        "reward=0.0 is Grade's default",
    ),
    (
        "envgym_graders.match.xǁRegexGraderǁscore__mutmut_*",
        'reward=0.0, passed=False, details={"reason": f"the answer is longer than {max_chars} characters"}',
        'reward=0.0, details={"reason": f"the answer is longer than {max_chars} characters"}',
        "passed=False is Grade's default",
    ),
    (
        "envgym.kernel.grader.xǁGraderǁgrade__mutmut_*",
        'return Grade(reward=0.0, passed=False, details={"reason": f"{exc}; the answer scores 0"})',
        'return Grade(passed=False, details={"reason": f"{exc}; the answer scores 0"})',
        "reward=0.0 is Grade's default",
    ),
    (
        "envgym.kernel.grader.xǁGraderǁgrade__mutmut_*",
        'return Grade(reward=0.0, passed=False, details={"reason": f"{exc}; the answer scores 0"})',
        'return Grade(reward=0.0, details={"reason": f"{exc}; the answer scores 0"})',
        "passed=False is Grade's default",
    ),
    (
        "envgym_graders.match.xǁExactGraderǁ_norm__mutmut_*",
        'text = " ".join(text.split())',
        'text = "XX XX".join(text.split())',
        "a normalised answer is only compared with one normalised alike, and any separator holding one space "
        "keeps the words apart as a single space does",
    ),
    (
        "envgym_graders.match.xǁRegexGraderǁ__init____mutmut_*",
        'compile_pattern(self.cfg.pattern if self.cfg.pattern is not None else ".", self.cfg.flags)',
        'compile_pattern(self.cfg.pattern if self.cfg.pattern is not None else "XX.XX", self.cfg.flags)',
        "the stand-in pattern (no pattern configured) only lets the flags be checked at once: any valid one does",
    ),
    (
        "envgym_graders.numeric.xǁNumericGraderǁscore__mutmut_*",
        'text = (submission.answer or "")[-self.cfg.max_chars :]',
        'text = (submission.answer or "XXXX")[-self.cfg.max_chars :]',
        "XXXX holds no number and no inf/nan: the same 'no number found' grade as the empty answer",
    ),
    (
        "envgym_graders.numeric.x__short__mutmut_*",
        "return f\"{'-' if value < 0 else ''}about 1e{magnitude:.0f} (too many digits to show)\"",
        "return f\"{'-' if value <= 0 else ''}about 1e{magnitude:.0f} (too many digits to show)\"",
        "0 prints as '0', so it never reaches this branch (only numbers too long to print do)",
    ),
    (
        "envgym_graders.weighted.xǁWeightedGraderǁ__init____mutmut_*",
        'if getattr(cls, "config_model", None) is not None:',
        'if getattr(cls, "config_model", ) is not None:',
        "grader plugins derive from Grader, which declares config_model (None by default): the default is never read",
    ),
    (
        "envgym_graders.weighted.xǁWeightedGraderǁ__init____mutmut_*",
        'self.requires = frozenset().union(*(getattr(cls, "requires", frozenset()) for cls in classes))',
        'self.requires = frozenset().union(*(getattr(cls, "requires", None) for cls in classes))',
        "grader plugins derive from Grader, which declares requires: the default is never read",
    ),
    (
        "envgym_graders.weighted.xǁWeightedGraderǁ__init____mutmut_*",
        'self.requires = frozenset().union(*(getattr(cls, "requires", frozenset()) for cls in classes))',
        'self.requires = frozenset().union(*(getattr(cls, "requires", ) for cls in classes))',
        "grader plugins derive from Grader, which declares requires: the default is never read",
    ),
    (
        "envgym_graders.weighted.xǁWeightedGraderǁgrade__mutmut_*",
        "weighted = [(c.weight, g.reward) for c, g in parts if c.weight > 0]",
        "weighted = [(c.weight, g.reward) for c, g in parts if c.weight >= 0]",
        "a weight-0 component adds 0 to both sums (its reward is finite: safe_grade), and the total is never 0",
    ),
    (
        "envgym_graders.rubric.grader.xǁRubricGraderǁ_rubric__mutmut_*",
        "return raw if isinstance(raw, Rubric) else Rubric.model_validate(raw)",
        "return raw if (isinstance(raw, Rubric)) and False else Rubric.model_validate(raw)",
        "validating a Rubric instance returns that instance (pydantic does not revalidate instances)",
    ),
    (
        "envgym_graders.rubric.grader.xǁRubricGraderǁ_component__mutmut_*",
        'def _component(criterion: Any, verdict: CriterionVerdict | None, note: str = "") -> GradeComponent:',
        'def _component(criterion: Any, verdict: CriterionVerdict | None, note: str = "XXXX") -> GradeComponent:',
        "the note is read only without a verdict, and every call without one passes a note",
    ),
    (
        "envgym_graders.rubric.grader.xǁRubricGraderǁ_component__mutmut_*",
        "passed=met if criterion.weight > 0 else not met,",
        "passed=met if criterion.weight >= 0 else not met,",
        "a criterion's weight is never 0 (its validator refuses it)",
    ),
    ("envgym_graders.rubric.grader.xǁRubricGraderǁgrade__mutmut_*", "reward=0.0,", "", "reward=0.0 is Grade's default"),
    (
        "envgym_graders.rubric.grader.xǁRubricGraderǁgrade__mutmut_*",
        "passed=False,",
        "",
        "passed=False is Grade's default",
    ),
    (
        "envgym_graders.unit_tests.grader.x__warn_if_pool_asked__mutmut_*",
        'if context.setting("unit_tests_pool") and not getattr(context, "_unit_tests_pool_warned", False):',
        'if context.setting("unit_tests_pool") and not getattr(context, "_unit_tests_pool_warned", None):',
        "only the truth of the default is used: None and False both mean not warned yet",
    ),
    (
        "envgym_graders.unit_tests.grader.x__is_source_text__mutmut_*",
        'text.encode("utf-8")',
        'text.encode("UTF-8")',
        "codec names are case-insensitive",
    ),
    (
        "envgym_graders.unit_tests.grader.xǁUnitTestsGraderǁgrade__mutmut_*",
        'return Grade(reward=0.0, passed=False, details={"reason": extra.get("reason", "nothing to grade")})',
        'return Grade(passed=False, details={"reason": extra.get("reason", "nothing to grade")})',
        "reward=0.0 is Grade's default",
    ),
    (
        "envgym_graders.unit_tests.grader.xǁUnitTestsGraderǁgrade__mutmut_*",
        'return Grade(reward=0.0, passed=False, details={"reason": extra.get("reason", "nothing to grade")})',
        'return Grade(reward=0.0, details={"reason": extra.get("reason", "nothing to grade")})',
        "passed=False is Grade's default",
    ),
    (
        "envgym_graders.unit_tests.grader.xǁUnitTestsGraderǁgrade__mutmut_*",
        "key = secrets.token_bytes(32)",
        "key = secrets.token_bytes(None)",
        "token_bytes(None) gives secrets.DEFAULT_ENTROPY bytes, which is 32 (test_unit_tests_payload pins the length)",
    ),
    (
        "envgym_graders.unit_tests.grader.xǁUnitTestsGraderǁgrade__mutmut_*",
        "for attempt in range(1, GRADING_ATTEMPTS + 1):",
        "for attempt in range(1, GRADING_ATTEMPTS + 2):",
        "the loop raises at attempt GRADING_ATTEMPTS, so a later attempt is never reached",
    ),
    (
        "envgym.sandbox.cgroups.x__stale__mutmut_*",
        'pid, _, start = owner.partition(".")',
        'pid, _, start = owner.rpartition(".")',
        "an owner tag is <pid>.<start ticks>, digits around one dot (owner_tag): both splits give the same parts",
    ),
    (
        "envgym.testing.conformance.x_check_tool__mutmut_*",
        "validator = jsonschema.validators.validator_for(params, default=jsonschema.Draft202012Validator)",
        "validator = jsonschema.validators.validator_for(params, )",
        "validator_for's own default is jsonschema's latest draft, which is 2020-12 (jsonschema 4.18+)",
    ),
    (
        "envgym.testing.conformance.xǁ_CheckedEpisodeǁreset__mutmut_*",
        'self.round_trip += _round_trip(result, "reset result")',
        'self.round_trip = _round_trip(result, "reset result")',
        "reset is an episode's first call (run_episode), so round_trip is still empty there",
    ),
    (
        "envgym.testing.conformance.xǁ_CheckedEpisodeǁreset__mutmut_*",
        "return cast(ResetResult, result)  # passed on as it is: the report names the wrong type",
        "return cast(None, result)  # passed on as it is: the report names the wrong type",
        "typing.cast does nothing at run time",
    ),
    (
        "envgym.testing.conformance.xǁ_CheckedEpisodeǁstep__mutmut_*",
        "return cast(StepResult, result)  # passed on as it is: the report names the wrong type",
        "return cast(None, result)  # passed on as it is: the report names the wrong type",
        "typing.cast does nothing at run time",
    ),
    (
        "envgym.testing.conformance.x__child_processes__mutmut_*",
        'if len(fields) >= 2 and int(fields[1]) == me and fields[0] != "Z":',
        'if len(fields) > 2 and int(fields[1]) == me and fields[0] != "Z":',
        "/proc/<pid>/stat has some 50 fields after the name on every Linux: the length check never decides",
    ),
    (
        "envgym.testing.conformance.x__child_processes__mutmut_*",
        'if len(fields) >= 2 and int(fields[1]) == me and fields[0] != "Z":',
        'if len(fields) >= 3 and int(fields[1]) == me and fields[0] != "Z":',
        "/proc/<pid>/stat has some 50 fields after the name on every Linux: the length check never decides",
    ),
    (
        "envgym.testing.conformance.x__expectation__mutmut_*",
        "if not math.isclose(record.reward, 1.0, abs_tol=1e-9):",
        "if not math.isclose(record.reward, 1.0, ):",
        "isclose's default rel_tol=1e-9 is, next to 1.0, the same tolerance (a finer difference is below a float's spacing there)",
    ),
    (
        "envgym.testing.conformance.x__run_job__mutmut_*",
        "record = await run_episode(handle, job.agent, job.task, job.ref.cls, seed=0, env_id=env_name)",
        "record = await run_episode(handle, job.agent, job.task, job.ref.cls, seed=0, env_id=None)",
        "the kit reads the record's status, reward, grade and error, never its env field",
    ),
    (
        "envgym.testing.conformance.x__run_job__mutmut_*",
        "record = await run_episode(handle, job.agent, job.task, job.ref.cls, seed=0, env_id=env_name)",
        "record = await run_episode(handle, job.agent, job.task, job.ref.cls, seed=0, )",
        "the kit reads the record's status, reward, grade and error, never its env field",
    ),
    (
        "envgym.testing.conformance.x_check_environment_async__mutmut_*",
        "chosen = tasks[:limit] if limit is not None else tasks",
        "chosen = tasks[:limit] if (limit is not None) or True else tasks",
        "tasks[:None] is all of tasks",
    ),
    (
        "envgym.testing.conformance.x_check_environment_async__mutmut_*",
        "leftovers: list[str] = []",
        "leftovers: list[str] = None",
        "read only through `if leftovers` unless reassigned: None and [] are both falsy",
    ),
]


def changed_lines(diff: str) -> tuple[str, str]:
    """The first removed and the first added line of a mutant's diff, stripped."""
    minus = next((ln[1:].strip() for ln in diff.splitlines() if ln.startswith("-") and not ln.startswith("---")), "")
    plus = next((ln[1:].strip() for ln in diff.splitlines() if ln.startswith("+") and not ln.startswith("+++")), "")
    return minus, plus


def equivalent(mutant: str, diff: str) -> str | None:
    lines = changed_lines(diff)
    return next(
        (why for glob, old, new, why in EQUIVALENT if fnmatch.fnmatchcase(mutant, glob) and lines == (old, new)), None
    )


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)  # strings, numbers and lists of them are the same in TOML


def source_hashes(mset: MutationSet) -> dict[str, str]:
    """sha256 of each mutated module as it is now (a re-test is only valid against the same code)."""
    return {
        t.module: hashlib.sha256((ROOT / Path(t.package).parent / t.module).read_bytes()).hexdigest()
        for t in mset.targets
    }


def stage(name: str, mset: MutationSet) -> Path:
    """A fresh ``.mutation/<name>/`` (mutmut reuses copies it finds, so stale ones would hide edits)."""
    work = WORK / name
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    packages = sorted({t.package for t in mset.targets})
    for package in packages:
        (work / Path(package).name).symlink_to(ROOT / package)
    (work / "tests").symlink_to(ROOT / "tests")
    pytest_options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    pytest_options.pop("testpaths", None)
    if mset.test_timeout_s is not None:
        pytest_options["timeout"] = mset.test_timeout_s
    tests = sorted({t for target in mset.targets for t in target.tests})
    mutmut = {
        "source_paths": [Path(p).name for p in packages],
        "only_mutate": sorted({t.module for t in mset.targets}),
        "pytest_add_cli_args": ["-p", "no:cacheprovider"],
        "pytest_add_cli_args_test_selection": tests,
        "use_git_change_detection": False,
        # Workers fork from a server that only collected the tests: a worker forked from a process
        # that ran them would inherit its threads (envgym's shared event loop) without their
        # state, and hang.
        "process_isolation": "forkserver",
    }
    lines = [
        "[tool.pytest.ini_options]",
        *(f"{k} = {toml_value(v)}" for k, v in pytest_options.items()),
        "",
        "[tool.mutmut]",
        *(f"{k} = {toml_value(v)}" for k, v in mutmut.items()),
    ]
    (work / "pyproject.toml").write_text("\n".join(lines) + "\n")
    (work / "sources.json").write_text(json.dumps(source_hashes(mset), indent=1) + "\n")
    return work


def results(work: Path, mutmut: str) -> dict[str, str]:
    out = subprocess.run(
        [mutmut, "results", "--all", "true"], cwd=work, capture_output=True, text=True, check=True
    ).stdout
    found = {}
    for line in out.splitlines():
        match = re.match(r"\s*(\S+__mutmut_\d+): (.+)$", line)
        if match:
            found[match.group(1)] = match.group(2).strip()
    return found


def run_set(name: str, mset: MutationSet, max_children: int, show: int, mode: str = "run") -> float:
    """Mutate the set afresh (``mode`` "run"), or in its last run's directory run again only the mutants
    it left alive ("retest", after adding tests), only those it did not reach ("resume", after an
    interruption), or none ("report"). mutmut first runs any test added since; the mutated modules
    must be unchanged. Then report."""
    mutmut = str(Path(sys.executable).with_name("mutmut"))
    globs = [g for t in mset.targets for g in t.name_globs()]
    print(f"== {name}: {mset.summary}\n   modules: {', '.join(sorted({t.module for t in mset.targets}))}", flush=True)
    if mode == "run":
        work = stage(name, mset)
        targets = globs
    else:
        work = WORK / name
        recorded = work / "sources.json"
        if not recorded.is_file() or json.loads(recorded.read_text()) != source_hashes(mset):
            raise SystemExit(f"--{mode} {name}: the mutated modules changed since its last run (or there was none)")
        status = {k: v for k, v in results(work, mutmut).items() if any(fnmatch.fnmatchcase(k, g) for g in globs)}
        if mode == "resume":
            targets = sorted(k for k, v in status.items() if v == NOT_CHECKED)
        elif mode == "retest":
            targets = sorted(
                k
                for k, v in status.items()
                if v not in COUNTED_KILLED and v != NOT_CHECKED and not equivalent(k, show_diff(work, k))
            )
        else:
            targets = []
        print(f"   {mode}: {len(targets)} mutants to test", flush=True)
    started = time.monotonic()
    log = work / f"{mode}.log"
    with log.open("w") as out:
        rc = (
            subprocess.run(
                [mutmut, "run", "--max-children", str(max_children), *targets],
                cwd=work,
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
            ).returncode
            if targets
            else 0
        )
    if rc != 0:
        print(log.read_text()[-3000:])
        raise SystemExit(f"mutmut failed on set {name!r} (exit code {rc}); its log is {log}")
    status = {k: v for k, v in results(work, mutmut).items() if any(fnmatch.fnmatchcase(k, g) for g in globs)}
    diffs = {k: show_diff(work, k) for k, v in status.items() if v not in COUNTED_KILLED and v != NOT_CHECKED}
    excluded = {k: why for k, diff in diffs.items() if (why := equivalent(k, diff))}
    counts: dict[str, int] = {}
    for key, value in status.items():
        value = "equivalent (excluded)" if key in excluded else value
        counts[value] = counts.get(value, 0) + 1
    killed = sum(n for s, n in counts.items() if s in COUNTED_KILLED)
    scored = len(status) - len(excluded) - counts.get(NOT_CHECKED, 0)
    score = killed / scored if scored else 0.0
    print(
        f"   {len(status)} mutants ({mode}: {time.monotonic() - started:.0f} s): "
        + ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    )
    print(
        f"   mutation score {score:.1%} ({killed}/{scored}; equivalent mutants excluded, untested ones count as alive"
        + (f"; {counts[NOT_CHECKED]} not reached yet: --resume" if NOT_CHECKED in counts else "")
        + ")"
    )
    alive = sorted(k for k in diffs if k not in excluded)
    for mutant in alive[:show]:
        print(f"   -- {status[mutant]}: " + "\n      ".join(diffs[mutant].strip().splitlines()))
    if len(alive) > show:
        print(f"   ... {len(alive) - show} more (--show N, or `cd {work} && mutmut browse`)")
    return score


def show_diff(work: Path, mutant: str) -> str:
    mutmut = str(Path(sys.executable).with_name("mutmut"))
    return subprocess.run([mutmut, "show", mutant], cwd=work, capture_output=True, text=True).stdout


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("sets", nargs="+", choices=[*SETS, "critical"], help="which module sets to mutate")
    parser.add_argument(
        "--max-children", type=int, default=1, help="mutants tested at once (default 1: shared machines)"
    )
    parser.add_argument("--show", type=int, default=50, help="how many survivors to print with their diff")
    parser.add_argument("--fail-under", type=float, default=0.0, help="exit 1 when a set scores under this (0-1)")
    again = parser.add_mutually_exclusive_group()
    again.add_argument(
        "--retest",
        dest="mode",
        action="store_const",
        const="retest",
        help="run only the mutants the set's last run left alive again, with the tests as they are now",
    )
    again.add_argument(
        "--resume",
        dest="mode",
        action="store_const",
        const="resume",
        help="run only the mutants the set's last run did not reach (it was interrupted)",
    )
    again.add_argument(
        "--report", dest="mode", action="store_const", const="report", help="score the set's last run, run nothing"
    )
    args = parser.parse_args()
    names = [n for s in args.sets for n in (CRITICAL if s == "critical" else [s])]
    mode = args.mode or "run"
    scores = {n: run_set(n, SETS[n], args.max_children, args.show, mode) for n in dict.fromkeys(names)}
    if any(score < args.fail_under for score in scores.values()):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
