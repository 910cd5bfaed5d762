"""VerifierRun.grade against a scripted sandbox: the order of the steps, what the check is started
with, and what each way it can end is scored as (a 0 the agent caused, or an error). The same paths
against real sandboxes are in test_integrity_verifier.py; here each outcome is made to happen exactly."""

from __future__ import annotations

import asyncio
import io
import tarfile
from pathlib import Path
from typing import Any, Awaitable, Callable

import pytest

from envgym.protocol.errors import SandboxError
from envgym.sandbox.base import ExecResult, Sandbox, SandboxSpec
from envgym_terminal import bundle, verifier
from envgym_terminal.verifier import STOPPED_PROBE, WRAPPER, VerifierRun

READ_LIMIT = 64 * 1024  # the most of a reward file that is read

Handler = Callable[["Box", Any, dict[str, Any]], Awaitable[ExecResult]]


class Box(Sandbox):
    """A sandbox whose commands are answered by ``run_check`` (the check) and ``other`` (the rest),
    with reward files served from ``files`` (path -> bytes, or an exception to raise)."""

    def __init__(self, run_check: Handler, *, trusted: bool = True, protected: bool = True) -> None:
        self.spec = SandboxSpec(env={"PATH": "/box/bin"})
        self.trusted_root = "/trusted" if trusted else None
        self.trusted_protected = protected
        self.run_check = run_check
        self.calls: list[tuple[Any, dict[str, Any]]] = []
        self.events: list[str] = []
        self.files: dict[str, bytes | Exception] = {}
        self.installed: dict[str, Any] = {}
        self.removed: list[str] = []
        self.remove_error: Exception | None = None
        self.probe: Callable[[], ExecResult] = lambda: ExecResult(0, "", "")
        self.install_output = ExecResult(0, "", "")
        self.mktemp = ExecResult(0, "/tmp/tmp.abc\n", "")
        self.killable = True

    async def exec(self, cmd: Any, *, stdin: Any = None, timeout: Any = None, cwd: Any = None, env: Any = None):
        kw = {"stdin": stdin, "timeout": timeout, "cwd": cwd, "env": env}
        self.calls.append((cmd, kw))
        if isinstance(cmd, list) and cmd[1:3] == ["-c", WRAPPER]:
            self.events.append("check")
            return await self.run_check(self, cmd, kw)
        if cmd == ["bash", "-c", STOPPED_PROBE]:
            self.events.append("probe")
            return self.probe()
        if cmd == "umask 077 && mktemp -d":
            return self.mktemp
        if isinstance(cmd, str) and cmd.startswith("tar -xzf - -C "):
            self.installed["area"] = stdin
            return self.install_output
        if isinstance(cmd, str) and cmd.startswith("[ -f "):
            path = cmd.split("'")[1] if "'" in cmd else cmd.split()[2]
            data = self.files.get(path)
            if data is None:
                return ExecResult(3, "", "")
            assert f"head -c {READ_LIMIT} -- " in cmd
            return ExecResult(0, data.decode(), "")  # type: ignore[union-attr]
        raise AssertionError(f"unexpected command {cmd!r}")

    async def kill_all(self) -> None:
        if not self.killable:
            raise NotImplementedError
        self.events.append("kill_all")

    async def install_trusted(self, name: str, tar_gz: bytes, exec_only: dict[str, str] | None = None) -> str:
        self.installed.update(name=name, area=tar_gz, exec_only=exec_only)
        return f"{self.trusted_root}/{name}"

    async def read_trusted(self, path: str, max_bytes: int) -> bytes | None:
        assert max_bytes == READ_LIMIT
        self.events.append(f"read {path.rsplit('/', 2)[-2][:4] if '/' in path else path}")
        data = self.files.get(path)
        if isinstance(data, Exception):
            raise data
        return data

    async def remove_trusted(self, path: str) -> None:
        self.removed.append(path)
        if self.remove_error is not None:
            raise self.remove_error

    async def write_file(self, path: str, data: str | bytes, mode: int = 0o644) -> None:
        raise AssertionError("the verifier writes no file through write_file")

    async def read_file(self, path: str, max_bytes: int | None = None) -> bytes:
        raise AssertionError("the verifier reads no file through read_file")

    async def close(self) -> None:
        pass

    @property
    def closed(self) -> bool:
        return False


def packed_tests(tmp_path: Path, test_sh: str = "echo 1 > /logs/verifier/reward.txt\n") -> str:
    tests = tmp_path / "tests"
    tests.mkdir(exist_ok=True)
    (tests / "test.sh").write_text(test_sh)
    return bundle.pack_dir(tests)


def writes(reward: bytes, *, exit_code: int = 0, stdout: str = "", stderr: str = "", **result: Any) -> Handler:
    """A check that writes ``reward`` to the reward.txt its test.sh names, then ends as told."""

    async def run(box: Box, cmd: Any, kw: dict[str, Any]) -> ExecResult:
        box.files[kw["stdin"].split(" > ")[1].strip()] = reward
        return ExecResult(exit_code, stdout, stderr, **result)

    return run


def run(tmp_path: Path, **kw: Any) -> VerifierRun:
    kw.setdefault("timeout_s", 30)
    return VerifierRun(
        packed_tests(tmp_path, kw.pop("test_sh", "echo 1 > /logs/verifier/reward.txt\n")), "/app", env={"A": "1"}, **kw
    )


# ---------------------------------------------------------------- before the check


async def test_a_provider_that_cannot_kill_the_agents_processes_cannot_grade(tmp_path):
    box = Box(writes(b"1"))
    box.killable = False
    grade = await run(tmp_path).grade(box)
    assert grade.status == "grader_error" and grade.error == (
        "the sandbox provider cannot kill the agent's processes before grading, so the "
        "tests would not run in a clean state"
    )
    assert box.calls == []


@pytest.mark.parametrize(
    "bad", [(1.0, 1.0), (2.0, 1.0), (float("nan"), 1.0), (0.0, float("inf")), (float("-inf"), 0.0)]
)
async def test_an_unusable_declared_range_is_the_tasks_error(tmp_path, bad):
    box = Box(writes(b"1"))
    grade = await run(tmp_path, reward_range=bad).grade(box)
    assert grade.status == "grader_error" and "unusable reward range" in (grade.error or "")
    assert box.calls == []


async def test_the_check_runs_from_the_trusted_area_with_the_tools_first_then_everything_is_killed(tmp_path):
    box = Box(writes(b"1", stdout="out"))
    grade = await run(tmp_path).grade(box)
    assert (grade.reward, grade.passed, grade.status) == (1.0, True, "ok")
    name = box.installed["name"]
    root = f"/trusted/{name}"
    cmd, kw = box.calls[-1]
    tools = cmd[0].rsplit("/", 1)[0]
    assert cmd == [f"{tools}/bash", "-c", WRAPPER, "test.sh", "/app"]  # test.sh's place is not on the command line
    assert tools.startswith(root + "/") and kw["cwd"] == root and kw["timeout"] == 30
    assert box.installed["exec_only"] == {
        f"{tools[len(root) + 1 :]}/bash": "/bin/bash",
        f"{tools[len(root) + 1 :]}/python3": "/usr/bin/python3",
    }
    assert kw["env"]["PATH"] == f"{tools}:/box/bin" and kw["env"]["A"] == "1"
    assert kw["stdin"].startswith("echo 1 > " + root + "/") and "/logs/" not in kw["stdin"]
    assert box.events[:2] == ["kill_all", "check"] and box.events[2] == "kill_all"  # killed before reading
    assert box.removed == [root]
    assert grade.details["verifier_isolation"] == "protected" and grade.details["test_output"] == "out"
    assert (grade.details["exit_code"], grade.details["timed_out"]) == (0, False)
    with tarfile.open(fileobj=io.BytesIO(box.installed["area"]), mode="r:gz") as tar:
        assert not any(m.name.endswith("test.sh") for m in tar.getmembers())


async def test_each_grading_installs_its_area_under_a_fresh_name(tmp_path):
    roots = []
    for _ in range(2):
        box = Box(writes(b"1"))
        await run(tmp_path).grade(box)
        name = box.installed["name"]
        assert len(name) == 32 and int(name, 16) >= 0  # 128 random bits, as fresh_name makes them
        assert box.calls[-1][1]["cwd"] == f"/trusted/{name}" and box.removed == [f"/trusted/{name}"]
        roots.append(name)
    assert roots[0] != roots[1]


async def test_a_reward_file_that_is_not_utf8_is_read_with_replacement_characters(tmp_path):
    grade = await run(tmp_path).grade(Box(writes(b"1\xff")))
    assert grade.status == "grader_error" and grade.error == "reward.txt does not hold a number: '1\ufffd'"


async def test_a_check_that_names_its_own_path_gets_it(tmp_path):
    box = Box(writes(b"1"))
    await run(tmp_path, test_sh='cd "$(dirname "$0")"; echo 1 > /logs/verifier/reward.txt\n').grade(box)
    cmd, _ = box.calls[-1]
    assert cmd[3].endswith("/test.sh") and cmd[3].startswith(f"/trusted/{box.installed['name']}/")
    box2 = Box(writes(b"1"))
    await run(tmp_path, test_sh='source "${BASH_SOURCE%/*}/x"; echo 1 > /logs/verifier/reward.txt\n').grade(box2)
    assert box2.calls[-1][0][3].endswith("/test.sh") and box2.calls[-1][0][3] != "test.sh"


async def test_an_area_where_the_sandboxs_user_could_get_in_is_reported_as_unprotected(tmp_path):
    box = Box(writes(b"1"), protected=False)
    assert (await run(tmp_path).grade(box)).details["verifier_isolation"] == "unprotected"


async def test_a_sandbox_that_died_during_grading_still_gives_the_grade(tmp_path):
    box = Box(writes(b"0.5"))
    box.remove_error = SandboxError("gone")
    grade = await run(tmp_path).grade(box)
    assert (grade.reward, grade.status) == (0.5, "ok") and len(box.removed) == 1


# ---------------------------------------------------------------- how the check ends


async def test_stderr_is_kept_after_stdout_when_there_is_any(tmp_path):
    box = Box(writes(b"1", stdout="o", stderr="e"))
    assert (await run(tmp_path).grade(box)).details["test_output"] == "o\n[stderr]\ne"
    box = Box(writes(b"1", stdout="o", stderr=" \n"))
    assert (await run(tmp_path).grade(box)).details["test_output"] == "o"


@pytest.mark.parametrize(("how", "signal_no"), [({"killed_by_signal": 9}, 9), ({"exit_code": -15}, 15)])
async def test_a_check_killed_by_a_signal_scores_zero_and_its_files_are_not_trusted(tmp_path, how, signal_no):
    box = Box(writes(b"1", **how))
    grade = await run(tmp_path).grade(box)
    assert (grade.reward, grade.passed, grade.status) == (0.0, False, "ok")
    assert grade.details["reason"] == (
        f"tests/test.sh was killed by signal {signal_no} before it finished (a program the "
        "check runs for the agent can signal it); its reward files are not trusted"
    )
    assert not any(e.startswith("read") for e in box.events)


async def test_a_failing_check_that_wrote_no_reward_is_the_tasks_error_with_its_exit_code(tmp_path):
    async def nothing(box: Box, cmd: Any, kw: dict[str, Any]) -> ExecResult:
        return ExecResult(2, "", "")

    grade = await run(tmp_path).grade(Box(nothing))
    assert grade.status == "grader_error"
    assert (grade.error or "").startswith("tests/test.sh (exit code 2) wrote no reward file")
    assert grade.details["exit_code"] == 2


async def test_a_verifier_timeout_is_an_error_naming_the_limit(tmp_path):
    async def times_out(box: Box, cmd: Any, kw: dict[str, Any]) -> ExecResult:
        return ExecResult(137, "", "", timed_out=True)

    grade = await run(tmp_path, timeout_s=30).grade(Box(times_out))
    assert grade.status == "grader_error"
    assert grade.error == "tests/test.sh did not finish within the verifier timeout of 30 s"
    assert grade.details["timed_out"] is True


def slow_check(release: asyncio.Event) -> Handler:
    """A check that never finishes: the sandbox ends it at its timeout, or when the probe runs."""

    async def run_(box: Box, cmd: Any, kw: dict[str, Any]) -> ExecResult:
        try:
            await asyncio.wait_for(release.wait(), kw["timeout"])
        except TimeoutError:
            pass
        return ExecResult(137, "", "", timed_out=True)

    return run_


def stopped_check(pids: str) -> Box:
    """A box whose check hangs until the stopped-process probe runs, which shows ``pids``."""
    release = asyncio.Event()
    box = Box(slow_check(release))

    def probe() -> ExecResult:
        release.set()
        return ExecResult(0, pids, "")

    box.probe = probe
    return box


@pytest.mark.parametrize(("timeout_s", "wait_s", "probe_timeout_s"), [(0.2, 0.15, 0.025), (8, 6, 1), (40, 35, 2.5)])
async def test_the_probe_runs_a_quarter_of_the_timeout_and_at_most_5_s_before_it(
    tmp_path, monkeypatch, timeout_s, wait_s, probe_timeout_s
):
    waits: list[float] = []
    real_wait = asyncio.wait

    async def wait(fs: Any, *, timeout: float) -> Any:
        waits.append(timeout)
        return await real_wait(fs, timeout=0)

    class Asyncio:  # the verifier's view of asyncio, with a wait that records its timeout and ends at once
        def __getattr__(self, name: str) -> Any:
            return wait if name == "wait" else getattr(asyncio, name)

    monkeypatch.setattr(verifier, "asyncio", Asyncio())
    box = stopped_check("12 \n")
    grade = await run(tmp_path, timeout_s=timeout_s).grade(box)
    assert (grade.reward, grade.status) == (0.0, "ok")
    assert waits == [pytest.approx(wait_s)]
    probe_call = next(kw for cmd, kw in box.calls if cmd == ["bash", "-c", STOPPED_PROBE])
    assert probe_call["timeout"] == pytest.approx(probe_timeout_s)


async def test_a_timeout_caused_by_stopped_processes_is_the_agents_zero(tmp_path):
    box = stopped_check("12 15 \n")
    grade = await run(tmp_path, timeout_s=0.2).grade(box)
    assert (grade.reward, grade.passed, grade.status) == (0.0, False, "ok")
    assert "were stopped by a signal (pids 12 15)" in grade.details["reason"]
    assert "did not finish within 0.2 s" in grade.details["reason"]
    probe_call = next(kw for cmd, kw in box.calls if cmd == ["bash", "-c", STOPPED_PROBE])
    assert probe_call["cwd"] == "/" and probe_call["timeout"] == pytest.approx(0.025)  # half the lead (0.2 / 4)


@pytest.mark.parametrize(
    "probe_result", [ExecResult(1, "12 ", ""), ExecResult(0, "12 ", "", timed_out=True), SandboxError("x")]
)
async def test_a_timeout_is_an_error_when_no_stopped_process_can_be_shown(tmp_path, probe_result):
    release = asyncio.Event()
    box = Box(slow_check(release))

    def probe() -> ExecResult:
        release.set()
        if isinstance(probe_result, Exception):
            raise probe_result
        return probe_result

    box.probe = probe
    grade = await run(tmp_path, timeout_s=0.2).grade(box)
    assert grade.status == "grader_error" and "verifier timeout of 0.2 s" in (grade.error or "")


async def test_no_probe_when_the_check_finishes_in_time(tmp_path):
    box = Box(writes(b"1"))
    await run(tmp_path, timeout_s=0.2).grade(box)
    assert "probe" not in box.events


async def test_a_check_whose_processes_stop_answering_scores_zero(tmp_path):
    async def stops(box: Box, cmd: Any, kw: dict[str, Any]) -> ExecResult:
        raise SandboxError("the exec's supervisor stopped answering")

    box = Box(stops)
    grade = await run(tmp_path).grade(box)
    assert (grade.reward, grade.passed, grade.status) == (0.0, False, "ok")
    assert grade.details == {
        "reason": "the check's processes stopped answering (stopped by a signal, which a program the check "
        "runs for the agent can send)",
        "verifier_isolation": "protected",
    }
    assert box.events == ["kill_all", "check", "kill_all"] and len(box.removed) == 1


async def test_any_other_sandbox_failure_during_the_check_is_raised(tmp_path):
    async def breaks(box: Box, cmd: Any, kw: dict[str, Any]) -> ExecResult:
        raise SandboxError("the sandbox is gone")

    box = Box(breaks)
    with pytest.raises(SandboxError, match="the sandbox is gone"):
        await run(tmp_path).grade(box)
    assert len(box.removed) == 1  # the area is still removed


# ---------------------------------------------------------------- where the reward is read


PLACES_SH = "echo 1 > /logs/verifier/reward.txt\n: /logs/verifier/marker\n"


def plants(exact: dict[str, bytes], generic: dict[str, bytes]) -> Handler:
    """A check that leaves reward files in the exact reward directory and in the logs' verifier
    directory (where a check that builds the path writes them), read off its rewritten test.sh."""

    async def run_(box: Box, cmd: Any, kw: dict[str, Any]) -> ExecResult:
        first, second = kw["stdin"].splitlines()[:2]
        exact_dir = first.split(" > ")[1].rsplit("/", 1)[0]
        generic_dir = second.split(" ")[1].rsplit("/", 1)[0]
        assert exact_dir != generic_dir
        for directory, files in ((exact_dir, exact), (generic_dir, generic)):
            for name, data in files.items():
                box.files[f"{directory}/{name}"] = data
        return ExecResult(0, "", "")

    return run_


@pytest.mark.parametrize(
    ("exact", "generic", "reward"),
    [
        ({"reward.txt": b"0.25"}, {"reward.txt": b"0.75"}, 0.25),
        ({}, {"reward.txt": b"0.75"}, 0.75),
        ({"reward.json": b'{"reward": 0.5}'}, {"reward.txt": b"0.75"}, 0.5),  # the first place with any file
        ({}, {"reward.json": b'{"reward": 0.5}', "reward.txt": b"1"}, 1.0),
    ],
)
@pytest.mark.parametrize("trusted", [True, False])
async def test_the_exact_reward_place_is_read_before_the_generic_one(tmp_path, exact, generic, reward, trusted):
    grade = await run(tmp_path, test_sh=PLACES_SH).grade(Box(plants(exact, generic), trusted=trusted))
    assert (grade.reward, grade.status) == (reward, "ok")


async def test_a_reward_file_that_is_not_a_plain_file_is_the_tasks_error(tmp_path):
    async def fifo(box: Box, cmd: Any, kw: dict[str, Any]) -> ExecResult:
        box.files[kw["stdin"].split(" > ")[1].strip()] = SandboxError("a FIFO")
        return ExecResult(0, "", "")

    grade = await run(tmp_path).grade(Box(fifo))
    assert grade.status == "grader_error" and grade.error == "reward.txt is not a plain regular file: a FIFO"


# ---------------------------------------------------------------- providers without a trusted area


async def test_without_a_trusted_area_the_same_files_go_to_a_fresh_private_directory(tmp_path):
    box = Box(writes(b"1"), trusted=False)
    grade = await run(tmp_path).grade(box)
    assert (grade.reward, grade.status, grade.details["verifier_isolation"]) == (1.0, "ok", "none")
    install, install_kw = next((c, k) for c, k in box.calls if isinstance(c, str) and c.startswith("tar "))
    tools = install.split("cp /bin/bash /usr/bin/python3 /tmp/tmp.abc/")[1].split("/ 2>&1;")[0]
    assert install == (
        "tar -xzf - -C /tmp/tmp.abc --no-same-owner 2>&1 && "
        f"cp /bin/bash /usr/bin/python3 /tmp/tmp.abc/{tools}/ 2>&1; chmod 0755 /tmp/tmp.abc/{tools}/git"
    )
    with tarfile.open(fileobj=io.BytesIO(install_kw["stdin"]), mode="r:gz") as tar:  # the area, on stdin
        assert {"pytest.ini", tools, f"{tools}/git"} <= set(tar.getnames())
    cmd, kw = next((c, k) for c, k in box.calls if isinstance(c, list))
    assert cmd == ["bash", "-c", WRAPPER, "test.sh", "."] and kw["cwd"] == "/app"
    assert kw["stdin"].startswith("echo 1 > /tmp/tmp.abc/")
    assert box.removed == []
    # Each command the verifier runs for itself is bounded: 30 s for mktemp and a read, 60 s for the install.
    assert {(c.split()[0], k["timeout"]) for c, k in box.calls if isinstance(c, str)} == {
        ("umask", 30),
        ("tar", 60),
        ("[", 30),
    }


async def test_without_a_trusted_area_an_empty_reward_file_is_read_as_empty(tmp_path):
    async def empty(box: Box, cmd: Any, kw: dict[str, Any]) -> ExecResult:
        box.files[kw["stdin"].split(" > ")[1].strip()] = b""
        return ExecResult(0, "", "")

    grade = await run(tmp_path).grade(Box(empty, trusted=False))
    assert grade.status == "grader_error" and grade.error == "reward.txt is empty"


async def test_a_full_disk_at_grading_time_is_the_agents_zero(tmp_path):
    box = Box(writes(b"1"), trusted=False)
    box.install_output = ExecResult(2, "tar: x: Cannot write: No space left on device\n", "")
    grade = await run(tmp_path).grade(box)
    assert (grade.reward, grade.passed, grade.status) == (0.0, False, "ok")
    assert grade.details == {
        "reason": "the sandbox's disk was full at grading time, so the tests could not be installed",
        "output": "tar: x: Cannot write: No space left on device",
        "verifier_isolation": "none",
    }
    assert "check" not in box.events
    box.install_output = ExecResult(2, "", "Disk quota exceeded")
    assert (await run(tmp_path).grade(box)).status == "ok"
    box.install_output = ExecResult(2, "No space left on device " + "x" * 1000, "")
    assert (await run(tmp_path).grade(box)).details["output"] == ("No space left on device " + "x" * 1000)[:500]


async def test_an_install_failure_quotes_at_most_300_characters(tmp_path):
    box = Box(writes(b"1"), trusted=False)
    box.install_output = ExecResult(2, "y" * 1000, "")
    assert (await run(tmp_path).grade(box)).error == "could not install the tests: " + "y" * 300


@pytest.mark.parametrize(
    ("mktemp", "install", "says"),
    [
        (ExecResult(1, "", "mktemp: failed"), None, "could not install the tests: mktemp: failed"),
        (ExecResult(0, "relative\n", ""), None, "could not install the tests: relative"),
        (ExecResult(0, "/tmp/x\n", ""), ExecResult(2, "tar: broken", ""), "could not install the tests: tar: broken"),
    ],
)
async def test_other_install_failures_are_errors(tmp_path, mktemp, install, says):
    box = Box(writes(b"1"), trusted=False)
    box.mktemp = mktemp
    if install is not None:
        box.install_output = install
    grade = await run(tmp_path).grade(box)
    assert grade.status == "grader_error" and grade.error == says
    assert "check" not in box.events


async def test_a_grading_cancelled_from_outside_cancels_the_check_and_removes_the_area(tmp_path):
    started, cancelled = asyncio.Event(), asyncio.Event()

    async def endless(box: Box, cmd: Any, kw: dict[str, Any]) -> ExecResult:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise
        raise AssertionError("unreachable")

    box = Box(endless)
    grading = asyncio.ensure_future(run(tmp_path, timeout_s=600).grade(box))
    await started.wait()
    grading.cancel()
    with pytest.raises(asyncio.CancelledError):
        await grading
    for _ in range(100):  # a few turns of the loop for the cancellation to arrive
        if cancelled.is_set():
            break
        await asyncio.sleep(0)
    assert cancelled.is_set()  # the check's exec does not outlive its grading
    assert len(box.removed) == 1
