"""Grading a terminal episode: run the task's hidden ``tests/test.sh`` against the final state.

The threat model and what each provider guarantees are in docs/integrity.md. In order:

1. every process of the agent is killed (``Sandbox.kill_all``): nothing it left running sees what
   follows;
2. the verifier's files are installed fresh in the sandbox's *trusted area* (envgym/sandbox/
   trusted.py): a new directory that the sandbox's user can enter but not list or write, with a
   separate unguessable name for the tests, the logs, the reward files and the tool directory.
   Harbor's fixed paths in the tests are rewritten to these (``/logs/verifier/reward.txt`` and
   ``reward.json`` to the reward directory, the rest of ``/logs`` and ``/tests`` to theirs);
3. ``test.sh`` itself is never written anywhere: it reaches a shell on its standard input, a shell
   started from an execute-only copy of bash, so the kernel makes it non-dumpable and nothing the
   check runs can read its memory, environment or file descriptors (where the reward path is). No
   environment variable names any of these places;
4. the check's PATH starts with envgym's tool directory: a hardened ``git`` (envgym/kernel/gitsafe.py) and
   execute-only ``bash``/``python3``; Python started with ``-m``/``-c`` finds its modules before the
   working directory's (verifier_files/sitecustomize.py); user site-packages, uv and pip config files
   are off. A ``pytest.ini`` at the top of the area ends pytest's search for configuration there;
5. after ``test.sh`` exits, every process in the sandbox is killed, then the reward is read
   (regular files only, no symlink followed): ``reward.txt`` first, ``reward.json`` metrics as
   named components (Harbor's format); the reward must be a finite number in [0, 1], or in the
   range the task declares (then normalised to [0, 1]); anything else is a task error naming the
   file. A verifier timeout is an error. A ``test.sh`` killed by a signal (which a program it ran
   can send it) scores 0 with the reason.

Providers without a trusted area (``process``) get the same steps in a ``mktemp`` directory, with
``details["verifier_isolation"] = "none"``.

Example:
    >>> parse_reward_txt("1\\n")
    1.0
    >>> scalar_of({"reward": 0.5, "style": 1.0}, "reward.json")
    0.5
"""

from __future__ import annotations

import asyncio
import io
import json
import math
import re
import shlex
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from envgym.kernel.gitsafe import shim_file
from envgym.protocol import Grade, GradeComponent
from envgym.protocol.errors import SandboxError
from envgym.sandbox.base import Sandbox
from envgym.sandbox.runner import BASE_ENV
from envgym.sandbox.trusted import SANDBOX_OWNER, fresh_name
from envgym_terminal import bundle

REWARD_READ_LIMIT = 64 * 1024
OUTPUT_KEEP = 8000
OUT_OF_RANGE_SLACK = 1e-9  # float noise around a bound (e.g. 3 / 3 computed in steps) is clamped
EXEC_ONLY = {"bash": "/bin/bash", "python3": "/usr/bin/python3"}
SITECUSTOMIZE = (Path(__file__).with_name("verifier_files") / "sitecustomize.py").read_text()
PYTEST_INI = (
    "[pytest]\n# envgym: pytest's search for configuration ends here, above the tests.\naddopts = -p no:cacheprovider\n"
)
# Starts test.sh in the working directory. The script arrives on stdin and is read whole by the
# shell itself before it runs (a non-dumpable process may not open /dev/stdin, and what is left
# unread in the pipe would be readable by every command the script starts). A working directory
# the agent made unreadable leaves the check where it is; the check then fails on its own.
WRAPPER = (
    'IFS= read -r -d "" __envgym_test_sh; '
    'cd -- "$1" 2>/dev/null || printf "envgym: cannot enter the working directory %s\\n" "$1" >&2; '
    'shift; eval "$__envgym_test_sh"'
)


# Lists the sandbox's stopped processes (state T or t). Builtins only: it must not depend on tools
# the image may lack, and it runs while the check may still be running.
STOPPED_PROBE = (
    'for f in /proc/[0-9]*/stat; do IFS= read -r l < "$f" 2>/dev/null || continue; r=${l##*) }; '
    'case ${r%% *} in T|t) printf "%s " "${f:6:-5}" ;; esac; done'
)


class RewardError(ValueError):
    """The verifier's reward file is unusable; the message says why and names the file."""


def _number(value: str, where: str) -> float:
    try:
        reward = float(value)
    except ValueError:
        raise RewardError(f"{where} does not hold a number: {value[:80]!r}") from None
    if not math.isfinite(reward):
        raise RewardError(f"{where} holds a non-finite number: {value[:80]!r}")
    return reward


def parse_reward_txt(text: str, where: str = "reward.txt") -> float:
    value = text.strip()
    if not value:
        raise RewardError(f"{where} is empty")
    return _number(value, where)


def parse_reward_json(text: str, where: str = "reward.json") -> dict[str, float]:
    """Harbor's reward.json: a non-empty object of named finite numbers."""
    if not text.strip():
        raise RewardError(f"{where} is empty")
    try:
        data = json.loads(text, parse_constant=lambda c: float("nan"))
    except json.JSONDecodeError as exc:
        raise RewardError(f"{where} is not valid JSON: {exc.msg}") from None
    if not isinstance(data, dict) or not data:
        raise RewardError(f"{where} must be a non-empty JSON object of named numbers")
    named: dict[str, float] = {}
    for key, value in data.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise RewardError(f"{where}: {key!r} is not a finite number ({str(value)[:80]})")
        named[str(key)] = float(value)
    return named


def scalar_of(named: dict[str, float], where: str) -> float:
    """Harbor's primary reward of a rewards dict: its ``reward`` key, else its only key."""
    if "reward" in named:
        return named["reward"]
    if len(named) == 1:
        return next(iter(named.values()))
    raise RewardError(
        f"{where} has {len(named)} metrics and no 'reward' key, so it names no reward "
        "(Harbor takes the 'reward' key, or the only key); add 'reward' or write reward.txt"
    )


def normalise(value: float, where: str, low: float = 0.0, high: float = 1.0) -> float:
    """A reward in [low, high] mapped to [0, 1]; anything outside is the task's error."""
    if value < low - OUT_OF_RANGE_SLACK or value > high + OUT_OF_RANGE_SLACK:
        declared = "the range the task declares" if (low, high) != (0.0, 1.0) else "[0, 1]"
        raise RewardError(f"{where}: {value:g} is outside {declared} [{low:g}, {high:g}]")
    return min(1.0, max(0.0, (value - low) / (high - low)))


def _tail(text: str, keep: int = OUTPUT_KEEP) -> str:
    return text if len(text) <= keep else f"[... {len(text) - keep} characters omitted ...]\n" + text[-keep:]


@dataclass
class Layout:
    """One grading's names inside its fresh directory ``root`` (each unguessable)."""

    root: str = ""
    tests: str = field(default_factory=fresh_name)
    logs: str = field(default_factory=fresh_name)
    rewards: str = field(default_factory=fresh_name)
    tools: str = field(default_factory=fresh_name)

    def path(self, name: str, *rest: str) -> str:
        return "/".join([self.root, name, *rest])

    def mapping(self) -> dict[str, str]:
        return {
            "/logs/verifier/reward.txt": self.path(self.rewards, "reward.txt"),
            "/logs/verifier/reward.json": self.path(self.rewards, "reward.json"),
            # Only the verifier's part of /logs: /logs/agent and /logs/artifacts are the agent's (Harbor's
            # layout; a separate verifier receives the artifacts there).
            "/logs/verifier": self.path(self.logs, "verifier"),
            "/tests": self.path(self.tests),
        }

    def reward_files(self) -> list[tuple[str, str]]:
        """(label, path) in the order they are read: the exact paths first, then the generic ones
        (for checks that build the path, e.g. ``cd /logs/verifier && echo 1 > reward.txt``)."""
        return [
            ("reward.txt", self.path(self.rewards, "reward.txt")),
            ("reward.json", self.path(self.rewards, "reward.json")),
            ("reward.txt", self.path(self.logs, "verifier", "reward.txt")),
            ("reward.json", self.path(self.logs, "verifier", "reward.json")),
        ]


def _add(
    tar: tarfile.TarFile, name: str, *, data: bytes | None = None, mode: int = 0o755, sandbox: bool = False
) -> None:
    info = tarfile.TarInfo(name)
    info.mode = mode
    info.uname = SANDBOX_OWNER if sandbox else ""
    if data is None:
        info.type = tarfile.DIRTYPE
        tar.addfile(info)
    else:
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))


def build_area(layout: Layout, tests_tar_gz: bytes) -> tuple[bytes, str]:
    """The verifier's files as one archive for ``Sandbox.install_trusted``, and test.sh's text."""
    out = io.BytesIO()
    test_sh = ""
    with (
        tarfile.open(fileobj=io.BytesIO(tests_tar_gz), mode="r:gz") as src,
        tarfile.open(fileobj=out, mode="w:gz", compresslevel=1) as tar,
    ):
        _add(tar, "pytest.ini", data=PYTEST_INI.encode(), mode=0o644)
        _add(tar, layout.tests)
        for member in src.getmembers():
            if member.name == "test.sh":  # holds the reward path: never on disk
                test_sh = src.extractfile(member).read().decode("utf-8", "replace")  # type: ignore[union-attr]
                continue
            member.name = f"{layout.tests}/{member.name}"
            member.uname = ""
            tar.addfile(member, src.extractfile(member) if member.isfile() else None)
        for name in (layout.logs, f"{layout.logs}/verifier", f"{layout.logs}/agent", layout.rewards):
            _add(tar, name, mode=0o700, sandbox=True)
        _add(tar, layout.tools)
        _add(tar, f"{layout.tools}/git", data=shim_file().encode())
        _add(tar, f"{layout.tools}/py")
        _add(tar, f"{layout.tools}/py/sitecustomize.py", data=SITECUSTOMIZE.encode(), mode=0o644)
    return out.getvalue(), test_sh


@dataclass
class VerifierRun:
    """Grade the sandbox's state with the task's tests. ``reward_range`` is the (low, high) a task
    declares for its reward (default [0, 1]); the reward is normalised to [0, 1]."""

    tests_b64: str
    workdir: str
    timeout_s: float
    env: dict[str, str]
    reward_range: tuple[float, float] | None = None

    async def grade(self, box: Sandbox) -> Grade:
        try:
            await box.kill_all()
        except NotImplementedError:
            return Grade.grader_error(
                "the sandbox provider cannot kill the agent's processes before grading, so the "
                "tests would not run in a clean state"
            )
        low, high = self.reward_range or (0.0, 1.0)
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            return Grade.grader_error(f"the task declares an unusable reward range [{low}, {high}]")
        layout = Layout()
        trusted = box.trusted_root is not None
        name = fresh_name()
        try:
            if trusted:
                layout.root = f"{box.trusted_root}/{name}"
                area, test_sh = self._area(layout)
                await box.install_trusted(name, area, {f"{layout.tools}/{k}": v for k, v in EXEC_ONLY.items()})
            else:
                failed = await self._install_unprotected(box, layout)
                if failed is not None:
                    return failed
                _area, test_sh = self._area(layout)
            return await self._run_and_read(box, layout, test_sh, trusted)
        finally:
            if trusted and layout.root:
                try:
                    await box.remove_trusted(layout.root)
                except SandboxError:
                    pass  # a sandbox that died during grading is closed by the episode anyway

    def _area(self, layout: Layout) -> tuple[bytes, str]:
        return build_area(layout, bundle.unpack_rewritten(self.tests_b64, layout.mapping()))

    def _env(self, box: Sandbox, layout: Layout) -> dict[str, str]:
        tools = layout.path(layout.tools)
        base_path = self.env.get("PATH") or box.spec.env.get("PATH") or BASE_ENV["PATH"]
        python_path = ":".join(p for p in (f"{tools}/py", self.env.get("PYTHONPATH")) if p)
        return {
            **self.env,
            "PATH": f"{tools}:{base_path}",
            "PYTHONPATH": python_path,
            "PYTHONNOUSERSITE": "1",
            "GIT_CONFIG_GLOBAL": "/dev/null",
            "GIT_CONFIG_NOSYSTEM": "1",
            "UV_NO_CONFIG": "1",
            "PIP_CONFIG_FILE": "/dev/null",
        }

    async def _run_and_read(self, box: Sandbox, layout: Layout, test_sh: str, trusted: bool) -> Grade:
        # $0 names the tests directory only where the script asks for it: a process can read any
        # other process's command line.
        name = f"{layout.path(layout.tests)}/test.sh" if ("$0" in test_sh or "BASH_SOURCE" in test_sh) else "test.sh"
        bash = f"{layout.path(layout.tools)}/bash" if trusted else "bash"
        isolation = ("protected" if box.trusted_protected else "unprotected") if trusted else "none"
        running = asyncio.ensure_future(
            box.exec(
                [bash, "-c", WRAPPER, name, self.workdir if trusted else "."],
                stdin=test_sh,
                cwd=layout.root if trusted else self.workdir,
                env=self._env(box, layout),
                timeout=self.timeout_s,
            )
        )
        try:
            stopped = await self._stopped_near_deadline(box, running)
            run = await running
        except SandboxError as exc:
            # bwrap: the exec's supervisor stopped answering. Only a process of the sandbox can stop
            # it (SIGSTOP); if the sandbox still works, that was the check's programs, not us.
            if "stopped answering" not in exc.message:
                raise
            await box.kill_all()
            return Grade(
                reward=0.0,
                passed=False,
                details={
                    "reason": "the check's processes stopped answering (stopped by a signal, which a program the check "
                    "runs for the agent can send)",
                    "verifier_isolation": isolation,
                },
            )
        finally:
            if not running.done():
                running.cancel()
        # Nothing may write after the check: not a process it started, not one that escaped it.
        await box.kill_all()
        output = run.stdout + (("\n[stderr]\n" + run.stderr) if run.stderr.strip() else "")
        details: dict[str, Any] = {
            "test_output": _tail(output),
            "exit_code": run.exit_code,
            "timed_out": run.timed_out,
            "verifier_isolation": isolation,
        }
        if run.timed_out and stopped:
            return Grade(
                reward=0.0,
                passed=False,
                details={
                    **details,
                    "reason": f"tests/test.sh did not finish within {self.timeout_s:g} s because processes of the check "
                    f"were stopped by a signal (pids {stopped}), which a program it runs for the agent can send",
                },
            )
        if run.timed_out:
            return Grade.grader_error(
                f"tests/test.sh did not finish within the verifier timeout of {self.timeout_s:g} s", **details
            )
        signal_no = run.killed_by_signal or (-run.exit_code if run.exit_code < 0 else None)
        if signal_no:
            return Grade(
                reward=0.0,
                passed=False,
                details={
                    **details,
                    "reason": f"tests/test.sh was killed by signal {signal_no} before it finished (a program the "
                    "check runs for the agent can signal it); its reward files are not trusted",
                },
            )
        try:
            return self._grade_from_files(await self._read_rewards(box, layout, trusted), details)
        except RewardError as exc:
            return Grade.grader_error(str(exc), **details)

    async def _stopped_near_deadline(self, box: Sandbox, running: asyncio.Future) -> str:
        """Shortly before the verifier timeout, if the check is still running: which processes of
        the sandbox are stopped (a check never stops by itself; a SIGSTOP from a program it runs
        would turn the agent's 0 into a timeout error otherwise)."""
        lead = min(5.0, self.timeout_s / 4)
        done, _ = await asyncio.wait({running}, timeout=max(0.0, self.timeout_s - lead))
        if done:
            return ""
        try:
            probe = await box.exec(["bash", "-c", STOPPED_PROBE], timeout=lead / 2, cwd="/")
        except SandboxError:
            return ""
        return probe.stdout.strip() if probe.ok else ""

    async def _read_rewards(self, box: Sandbox, layout: Layout, trusted: bool) -> list[tuple[str, str]]:
        """(label, text) of the reward files of the first place that has any."""
        found: list[tuple[str, str]] = []
        files = layout.reward_files()
        for place in (files[:2], files[2:]):
            for label, path in place:
                try:
                    data = await (box.read_trusted(path, REWARD_READ_LIMIT) if trusted else self._read_plain(box, path))
                except SandboxError as exc:
                    raise RewardError(f"{label} is not a plain regular file: {exc.message}") from None
                if data is not None:
                    found.append((label, data.decode("utf-8", "replace")))
            if found:
                return found
        return found

    @staticmethod
    async def _read_plain(box: Sandbox, path: str) -> bytes | None:
        read = await box.exec(
            f"[ -f {shlex.quote(path)} ] || exit 3; head -c {REWARD_READ_LIMIT} -- {shlex.quote(path)}", timeout=30
        )
        return None if read.exit_code == 3 else read.stdout.encode()

    def _grade_from_files(self, found: list[tuple[str, str]], details: dict[str, Any]) -> Grade:
        low, high = self.reward_range or (0.0, 1.0)
        if not found:
            raise RewardError(
                f"tests/test.sh (exit code {details['exit_code']}) wrote no reward file: it must write "
                "/logs/verifier/reward.txt or reward.json, 0 when the check fails"
            )
        texts = dict(found)
        named: dict[str, float] = {}
        if "reward.json" in texts:
            named = parse_reward_json(texts["reward.json"])
        if "reward.txt" in texts:
            raw, source = parse_reward_txt(texts["reward.txt"]), "reward.txt"
        else:
            raw, source = scalar_of(named, "reward.json"), "reward.json"
        reward = normalise(raw, source, low, high)
        components = [
            GradeComponent(
                name=key,
                reward=normalise(value, f"reward.json: {key!r}", low, high),
                passed=normalise(value, "reward.json", low, high) >= 1.0,
            )
            for key, value in named.items()
            if not (key == "reward" and source == "reward.txt")
        ]
        if source == "reward.txt" or "reward" not in named:
            components.insert(0, GradeComponent(name="reward", reward=reward, passed=reward >= 1.0))
        details["reward_file"] = source
        if (low, high) != (0.0, 1.0):
            details["raw_reward"] = raw
        return Grade(reward=reward, passed=reward >= 1.0, components=components, details=details)

    async def _install_unprotected(self, box: Sandbox, layout: Layout) -> Grade | None:
        """A provider without a trusted area (``process``): the same files in a fresh ``mktemp``
        directory, no protection (such providers isolate nothing anyway)."""
        made = await box.exec("umask 077 && mktemp -d", timeout=30)
        layout.root = made.stdout.strip()
        if made.ok and layout.root.startswith("/"):
            area, _test_sh = self._area(layout)
            made = await box.exec(
                f"tar -xzf - -C {shlex.quote(layout.root)} --no-same-owner 2>&1 && "
                f"cp /bin/bash /usr/bin/python3 {shlex.quote(layout.path(layout.tools))}/ 2>&1; "
                f"chmod 0755 {shlex.quote(layout.path(layout.tools))}/git",
                stdin=area,
                timeout=60,
            )
            if made.ok:
                return None
        text = (made.stdout + made.stderr).strip()
        if re.search(r"No space left|Disk quota exceeded", text):
            # The agent filled the disk the tests must be copied to: its doing, so a 0, not an error.
            return Grade(
                reward=0.0,
                passed=False,
                details={
                    "reason": "the sandbox's disk was full at grading time, so the tests could not be installed",
                    "output": text[:500],
                    "verifier_isolation": "none",
                },
            )
        return Grade.grader_error(f"could not install the tests: {text[:300]}")
