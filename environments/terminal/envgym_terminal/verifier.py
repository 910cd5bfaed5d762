"""Grading a terminal episode: run the task's hidden ``tests/test.sh`` against the final state.

The order is what keeps the reward honest (DESIGN.md §7):

1. every process of the agent is killed (``Sandbox.kill_all``), so nothing it left running can
   touch what follows;
2. ``mktemp -d`` makes a fresh directory with an unpredictable name: the agent cannot have
   prepared it, so a reward file it wrote anywhere else is never read;
3. the tests are unpacked there from the task record (never visible before), with Harbor's fixed
   paths ``/tests`` and ``/logs`` rewritten to point inside it;
4. ``test.sh`` runs with a clean environment (its own ``HOME``, no user site-packages, no git
   config from the agent's home) under the verifier timeout;
5. ``reward.json`` (named rewards) or else ``reward.txt`` (one float) is read from that directory.
   A missing, empty, non-numeric or non-finite reward is a ``grader_error``, never 0.

Example:
    >>> parse_reward_txt("1\\n")
    1.0
"""

from __future__ import annotations

import json
import math
import shlex
from dataclasses import dataclass
from typing import Any

from envgym.protocol import Grade, GradeComponent
from envgym.sandbox.base import Sandbox

from envgym_terminal import bundle

REWARD_READ_LIMIT = 64 * 1024
OUTPUT_KEEP = 8000


class RewardError(ValueError):
    """The verifier's reward file is unusable; the message says why."""


def parse_reward_txt(text: str) -> float:
    value = text.strip()
    if not value:
        raise RewardError("reward.txt is empty")
    try:
        reward = float(value)
    except ValueError:
        raise RewardError(f"reward.txt does not hold a number: {value[:80]!r}") from None
    if not math.isfinite(reward):
        raise RewardError(f"reward.txt holds a non-finite number: {value[:80]!r}")
    return reward


def parse_reward_json(text: str) -> tuple[float, dict[str, float]]:
    """``{"reward": 1.0, "style": 0.5}``: the ``reward`` key is the reward; without it, the mean of all."""
    if not text.strip():
        raise RewardError("reward.json is empty")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RewardError(f"reward.json is not valid JSON: {exc.msg}") from None
    if not isinstance(data, dict) or not data:
        raise RewardError("reward.json must be a non-empty JSON object of named numbers")
    named: dict[str, float] = {}
    for key, value in data.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise RewardError(f"reward.json: {key!r} is not a finite number ({value!r})")
        named[str(key)] = float(value)
    reward = named["reward"] if "reward" in named else sum(named.values()) / len(named)
    return reward, named


def _tail(text: str, keep: int = OUTPUT_KEEP) -> str:
    return text if len(text) <= keep else f"[... {len(text) - keep} characters omitted ...]\n" + text[-keep:]


@dataclass
class VerifierRun:
    tests_b64: str
    workdir: str
    timeout_s: float
    env: dict[str, str]

    async def grade(self, box: Sandbox) -> Grade:
        try:
            await box.kill_all()
        except NotImplementedError:
            return Grade.failed("the sandbox provider cannot kill the agent's processes before grading, so the "
                                "tests would not run in a clean state")
        made = await box.exec("umask 077 && mktemp -d", timeout=30)
        grading_dir = made.stdout.strip()
        if not made.ok or not grading_dir.startswith("/"):
            return self._no_room(made.stdout) or Grade.failed(f"could not create the grading directory: {made.stdout.strip()[:300]}")
        mapping = {"/tests": f"{grading_dir}/tests", "/logs": f"{grading_dir}/logs"}
        tests_tar = bundle.unpack_rewritten(self.tests_b64, mapping)
        q = shlex.quote(grading_dir)
        install = await box.exec(
            f"mkdir {q}/tests {q}/logs {q}/logs/verifier {q}/logs/agent {q}/home && tar -xzf - -C {q}/tests 2>&1",
            stdin=tests_tar, timeout=60)
        if not install.ok:
            return self._no_room(install.stdout + install.stderr) or Grade.failed(
                f"could not install the tests: {(install.stdout + install.stderr).strip()[:300]}")
        run_env = {
            **self.env,
            "TEST_DIR": f"{grading_dir}/tests", "LOGS_DIR": f"{grading_dir}/logs",
            "REWARD_DIR": f"{grading_dir}/logs/verifier", "HOME": f"{grading_dir}/home",
            "PYTHONNOUSERSITE": "1", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1",
        }
        run = await box.exec(["bash", f"{grading_dir}/tests/test.sh"], cwd=self.workdir, env=run_env, timeout=self.timeout_s)
        output = run.stdout + (("\n[stderr]\n" + run.stderr) if run.stderr.strip() else "")
        details: dict[str, Any] = {"test_output": _tail(output), "exit_code": run.exit_code, "timed_out": run.timed_out}
        if run.timed_out:
            return Grade.failed(f"tests/test.sh did not finish within the verifier timeout of {self.timeout_s:g} s", **details)
        read = await box.exec(
            f"cd {q}/logs/verifier || exit 3; "
            f"if [ -f reward.json ]; then echo json; head -c {REWARD_READ_LIMIT} reward.json; "
            f"elif [ -f reward.txt ]; then echo txt; head -c {REWARD_READ_LIMIT} reward.txt; else echo none; fi",
            timeout=30)
        kind, _, body = read.stdout.partition("\n")
        try:
            if not read.ok or kind not in ("json", "txt"):
                raise RewardError("tests/test.sh wrote no reward file (/logs/verifier/reward.txt or reward.json)")
            if kind == "json":
                reward, named = parse_reward_json(body)
                details["reward_file"] = "reward.json"
                components = [GradeComponent(name=k, reward=v, passed=v >= 1.0) for k, v in named.items()]
            else:
                reward = parse_reward_txt(body)
                details["reward_file"] = "reward.txt"
                components = [GradeComponent(name="tests", reward=reward, passed=reward >= 1.0)]
        except RewardError as exc:
            return Grade.failed(str(exc), **details)
        return Grade(reward=reward, passed=reward >= 1.0, components=components, details=details)

    @staticmethod
    def _no_room(output: str) -> Grade | None:
        # A sandbox the agent filled up cannot take the tests: the state is the agent's doing, so it
        # scores 0 (an error status would drop the episode and reward filling the disk).
        if "No space left" in output or "Disk quota exceeded" in output:
            return Grade(reward=0.0, passed=False, details={
                "reason": "the sandbox's disk was full at grading time, so the tests could not be installed",
                "output": output.strip()[:500]})
        return None
