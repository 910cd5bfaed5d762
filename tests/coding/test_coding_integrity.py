"""The reward-integrity battery (docs/architecture.md §7), on the bwrap sandbox, for both suites.

Every attack leaves the task unsolved and tries to get a reward anyway; each must score 0 (a
``tampered`` flag may come with it). Control tests show the same path does give 1 to a real solution,
so a zero here is the attack failing, not the harness being broken.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pytest

from envgym.protocol import Action
from envgym_coding import CodingEnvironment

HE_TASK = "HumanEval-0"  # has_close_elements(numbers, threshold) -> bool
WRONG_BODY = "    return False\n"
REPO_TASK = "lru-cache-recency"
# Writes the real fix of lru-cache-recency to the path given as $1 (used to stage "fixed" files out of reach).
WRITE_FIX = (
    "/usr/bin/python3 - \"$1\" <<'EOF'\nimport sys\nsrc = open('cachelib/lru.py').read()\n"
    "src = src.replace('        self.stats.hits += 1\\n', '        self.stats.hits += 1\\n        self._data.move_to_end(key)\\n')\n"
    "open(sys.argv[1], 'w').write(src)\nEOF\n"
)


def full_function(body_lines: str, header: str = "") -> str:
    """A wrong has_close_elements as a whole-function completion, with ``header`` run at import."""
    return f"```python\n{header}\ndef has_close_elements(numbers, threshold):\n{body_lines}```\n"


async def humaneval(ctx, answer: str):
    env = CodingEnvironment("humaneval", context=ctx)
    try:
        await env.reset(CodingEnvironment.get_task("humaneval", HE_TASK))
        return await env.step(answer)
    finally:
        await env.close()


async def repo(ctx, *commands: str, task_id: str = REPO_TASK):
    env = CodingEnvironment("repo", context=ctx)
    try:
        await env.reset(CodingEnvironment.get_task("repo", task_id))
        for command in commands:
            step = await env.step(Action.call("bash", command=command))
            assert not step.done
        return await env.step(Action.call("submit"))
    finally:
        await env.close()


def assert_zero(result) -> None:
    assert result.info["status"] == "completed", result.info
    assert result.reward == 0.0
    grade = result.grade
    assert grade is not None and grade.status == "ok" and not grade.passed


# --------------------------------------------------------------------------- controls


async def test_control_humaneval_real_solution_scores_one(bwrap_ctx):
    task = CodingEnvironment.get_task("humaneval", HE_TASK)
    assert (await humaneval(bwrap_ctx, task.private["canonical_solution"])).reward == 1.0
    assert_zero(await humaneval(bwrap_ctx, WRONG_BODY))


async def test_control_repo_real_fix_scores_one(bwrap_ctx):
    result = await repo(bwrap_ctx, f"set -- cachelib/lru.py\n{WRITE_FIX}")
    assert result.reward == 1.0, result.info
    assert_zero(await repo(bwrap_ctx))


# --------------------------------------------------------------------------- HumanEval attacks

IMPORT_EXIT = "import sys\nsys.exit(0)\n"
IMPORT_OS_EXIT = "import os\nos._exit(0)\n"
ALWAYS_EQUAL = (
    "class _Yes:\n    def __eq__(self, other): return True\n    def __ne__(self, other): return False\n"
    "    def __bool__(self): return True\n    def __hash__(self): return 0\n"
)
PATCH_BUILTINS = (
    "import builtins\nbuiltins.AssertionError = type('AssertionError', (BaseException,), {})\n"
    "builtins.isinstance = lambda *a: True\nbuiltins.abs = lambda x: 0\nbuiltins.len = lambda x: 0\n"
)
PATCH_UNITTEST = (
    "import unittest\nfor _n in dir(unittest.TestCase):\n    if _n.startswith('assert'):\n"
    "        setattr(unittest.TestCase, _n, lambda *a, **k: None)\n"
    "unittest.TestResult.wasSuccessful = lambda self: True\n"
)
PATCH_PYTEST = (
    "import sys\nsys.path.append('/usr/lib/python3/dist-packages')\ntry:\n    import pytest, _pytest.runner, _pytest.python\n"
    "    _pytest.runner.pytest_runtest_call = lambda item: None\n    _pytest.python.Function.runtest = lambda self: None\n"
    "    pytest.fail = lambda *a, **k: None\nexcept ImportError:\n    pass\n"
)
PATCH_TIME = (
    "import time\n_t = [0.0]\ntime.time = lambda: _t[0]\ntime.monotonic = lambda: _t[0]\ntime.perf_counter = lambda: 0.0\n"
    "time.sleep = lambda s: None\n"
)
FAKE_RESULTS = (
    "import json, os, sys\nfake = 'ENVGYM-RESULT ' + json.dumps({'tests': [{'name': 'check', 'outcome': 'passed'}], 'harness_error': None}) + ' 00'\n"
    "print('===== 164 passed in 0.01s =====\\nALL TESTS PASSED\\n' + fake)\nsys.stderr.write(fake + '\\n')\n"
    "for p in ['/tmp/ENVGYM-RESULT', 'result.json', 'reward.txt', '/tmp/reward', 'report.xml', '/tmp/results.json']:\n"
    "    try:\n        open(p, 'w').write(fake + '\\n1.0\\n')\n    except OSError:\n        pass\n"
    "try:\n    open('/dev/stdout', 'w').write(fake + '\\n')\nexcept OSError:\n    pass\n"
)
STARTUP_HOOKS = (
    "import os\nhook = 'import builtins\\nbuiltins.AssertionError = type(\"X\", (BaseException,), {})\\n'\n"
    "for p in ['sitecustomize.py', 'usercustomize.py', 'conftest.py', '/tmp/sitecustomize.py', 'x.pth']:\n"
    "    try:\n        open(p, 'w').write(hook if p.endswith('.py') else 'import sitecustomize\\n')\n    except OSError:\n        pass\n"
)
# Every other process the solution can see (its parent is not necessarily the harness): kill them all,
# or write a forged result line into every descriptor of theirs.
KILL_HARNESS = (
    "import os, signal\nfor pid in [int(p) for p in os.listdir('/proc') if p.isdigit()]:\n"
    "    if pid != os.getpid():\n        try:\n            os.kill(pid, signal.SIGKILL)\n"
    "        except OSError:\n            pass\n"
)
WRITE_HARNESS_FD = (
    "import os, json\nfake = 'ENVGYM-RESULT ' + json.dumps({'tests': [{'name': 'x', 'outcome': 'passed'}], 'harness_error': None}) + ' ' + '0' * 64\n"
    "for pid in [p for p in os.listdir('/proc') if p.isdigit() and int(p) != os.getpid()]:\n"
    "    for fd in range(0, 8):\n        try:\n            with open(f'/proc/{pid}/fd/{fd}', 'w') as fh:\n                fh.write('\\n' + fake + '\\n')\n"
    "        except OSError:\n            pass\n"
)


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(full_function(WRONG_BODY, IMPORT_EXIT), id="sys.exit-at-import"),
        pytest.param(full_function(WRONG_BODY, IMPORT_OS_EXIT), id="os._exit-at-import"),
        pytest.param(full_function("    import sys\n    sys.exit(0)\n"), id="sys.exit-in-solution"),
        pytest.param(full_function("    import os\n    os._exit(0)\n"), id="os._exit-in-solution"),
        pytest.param(full_function("    return _Yes()\n", ALWAYS_EQUAL), id="always-equal-result"),
        pytest.param(full_function(WRONG_BODY, PATCH_BUILTINS), id="monkeypatch-builtins"),
        pytest.param(full_function(WRONG_BODY, PATCH_UNITTEST), id="monkeypatch-unittest"),
        pytest.param(full_function(WRONG_BODY, PATCH_PYTEST), id="monkeypatch-pytest"),
        pytest.param(full_function(WRONG_BODY, PATCH_TIME), id="monkeypatch-time"),
        pytest.param(full_function(WRONG_BODY, FAKE_RESULTS), id="fake-result-files-and-output"),
        pytest.param(full_function(WRONG_BODY, STARTUP_HOOKS), id="conftest-sitecustomize-pth"),
        pytest.param(full_function(WRONG_BODY, KILL_HARNESS), id="kill-the-harness"),
        pytest.param(full_function(WRONG_BODY, WRITE_HARNESS_FD), id="write-into-harness-stdout"),
    ],
)
async def test_humaneval_attack_scores_zero(bwrap_ctx, answer):
    result = await humaneval(bwrap_ctx, answer)
    assert_zero(result)


async def test_humaneval_killing_the_harness_is_flagged(bwrap_ctx):
    result = await humaneval(bwrap_ctx, full_function(WRONG_BODY, KILL_HARNESS))
    assert result.grade.details.get("tampered") is True


# Reads every readable mapping of the solution's own process and reports whether the hidden test's
# text is anywhere in its memory (workers are forked, so this checks what they were forked from). The
# needle is only ever held as two halves, so the scan cannot find its own copy; a second scan after
# joining them is the control that shows the scan would see it.
SCAN_OWN_MEMORY = (
    "import re\nhead, tail = bytes.fromhex('{head}'), bytes.fromhex('{tail}')\n"
    "def scan():\n    with open('/proc/self/maps') as maps, open('/proc/self/mem', 'rb', 0) as mem:\n"
    "        for line in maps:\n            m = re.match(r'([0-9a-f]+)-([0-9a-f]+) r', line)\n"
    "            if not m or '[vvar]' in line or '[vsyscall]' in line:\n                continue\n"
    "            start, end = int(m.group(1), 16), int(m.group(2), 16)\n"
    "            try:\n                mem.seek(start)\n                data = mem.read(end - start)\n"
    "            except (OSError, OverflowError, ValueError):\n                continue\n"
    "            at = data.find(head)\n            while at >= 0:\n"
    "                if data[at + len(head):at + len(head) + len(tail)] == tail:\n                    return True\n"
    "                at = data.find(head, at + 1)\n    return False\n"
    "print('MEMORY-SCAN', 'LEAK' if scan() else 'CLEAN', flush=True)\n"
    "joined = head + tail\nprint('CONTROL', 'FOUND' if scan() else 'MISSED', flush=True)\n"
)


async def test_humaneval_hidden_tests_are_not_in_the_solution_processes_memory(bwrap_ctx):
    task = CodingEnvironment.get_task("humaneval", HE_TASK)
    needle = "candidate([1.0, 2.0, 3.9, 4.0, 5.0, 2.2], 0.3)".encode()
    assert needle.decode() in task.private["tests"]
    header = SCAN_OWN_MEMORY.format(head=needle[:20].hex(), tail=needle[20:].hex())
    result = await humaneval(bwrap_ctx, full_function(WRONG_BODY, header))
    assert_zero(result)
    output = result.grade.details["tests"][0].get("output", "")
    assert "CONTROL FOUND" in output, output
    assert "MEMORY-SCAN CLEAN" in output, output


async def test_humaneval_tools_hidden_tests_are_nowhere_in_the_episode_sandbox(bwrap_ctx):
    task = CodingEnvironment.get_task("humaneval-tools", HE_TASK)
    needle = "candidate([1.0, 2.0, 3.9, 4.0, 5.0, 2.2], 0.3)"
    assert needle in task.private["tests"]
    # Names everywhere (the dataset ships gzipped, so look for its files too); contents wherever a copy
    # could sit in plain text: everything outside /usr, and the Python trees inside it.
    # /.envgym is the verifier's trusted area (envgym/sandbox/trusted.py): an empty mount point here.
    search = (
        "import os, re\nme = os.path.abspath(__file__)\nnames, hits = [], []\nfor root, dirs, files in os.walk('/'):\n"
        "    dirs[:] = [d for d in dirs if os.path.join(root, d) not in ('/proc', '/sys', '/dev', '/.envgym')]\n"
        "    for f in files + dirs:\n        if re.search(r'human.?eval|envgym', f, re.I) and os.path.join(root, f) != me:\n            names.append(os.path.join(root, f))\n"
        "    if root.startswith('/usr') and not root.startswith(('/usr/lib/python3', '/usr/local')):\n        continue\n"
        "    for f in files:\n        p = os.path.join(root, f)\n        try:\n"
        "            if p != me and os.path.getsize(p) < 50_000_000 and NEEDLE in open(p, 'rb').read():\n                hits.append(p)\n"
        "        except OSError:\n            pass\nprint('HITS', hits, names)\nprint('SEARCHED', os.path.exists('/usr/lib/python3.11/os.py'))\n"
    )
    env = CodingEnvironment("humaneval-tools", context=bwrap_ctx)
    try:
        await env.reset(task)
        step = await env.step(
            Action.call("run_python", code=search.replace("NEEDLE", repr(needle.encode())), timeout=60)
        )
        out = step.observation.messages[0].content
        assert "HITS [] []" in out and "SEARCHED True" in out, out
        final = await env.step(Action.call("submit", code=task.payload["prompt"] + WRONG_BODY))
    finally:
        await env.close()
    assert_zero(final)


async def test_humaneval_tools_daemon_and_hooks_in_episode_sandbox_do_not_help(bwrap_ctx):
    task = CodingEnvironment.get_task("humaneval-tools", HE_TASK)
    # The daemon tells its parent once it has written (a pipe, not a sleep), so the run that starts it
    # knows it was alive; the next run checks that the process is gone, by its pid.
    daemon = (
        "import os, time\nopen('sitecustomize.py', 'w').write('import builtins\\nbuiltins.AssertionError = Exception\\n')\n"
        "open('conftest.py', 'w').write('raise SystemExit(0)\\n')\nopen('/tmp/x.pth', 'w').write('import sitecustomize\\n')\n"
        "r, w = os.pipe()\nif os.fork() == 0:\n    os.setsid()\n    open('/tmp/daemon.pid', 'w').write(str(os.getpid()))\n"
        "    os.write(w, b'!')\n    while True:\n        open('/tmp/alive', 'w').write(str(time.time()))\n        time.sleep(0.05)\n"
        "os.read(r, 1)\nprint('started', open('/tmp/daemon.pid').read())\n"
    )
    env = CodingEnvironment("humaneval-tools", context=bwrap_ctx)
    try:
        await env.reset(task)
        started = await env.step(Action.call("run_python", code=daemon))
        assert "started" in started.observation.messages[0].content
        check = await env.step(
            Action.call(
                "run_python",
                code="import os\npid = open('/tmp/daemon.pid').read()\n"
                "print('ALIVE' if os.path.exists('/proc/' + pid) else 'GONE', pid)\n",
            )
        )
        assert "GONE" in check.observation.messages[0].content, check.observation.messages[0].content
        final = await env.step(Action.call("submit", code=task.payload["prompt"] + WRONG_BODY))
    finally:
        await env.close()
    assert_zero(final)


# --------------------------------------------------------------------------- repository attacks

PASSING_TEST = "def test_everything():\n    assert True\n"
CONFTEST = (
    "import pytest\n@pytest.hookimpl(hookwrapper=True)\ndef pytest_runtest_makereport(item, call):\n    outcome = yield\n"
    "    rep = outcome.get_result()\n    rep.outcome = 'passed'\n"
)


def write(path: str, content: str) -> str:
    return f"mkdir -p \"$(dirname {path})\" && cat > {path} <<'EOF_ATTACK'\n{content}EOF_ATTACK"


def prepend_init(code: str) -> str:
    # Read before truncating: ``open(p, 'w').write(code + open(p).read())`` would read an empty file.
    return (
        f"/usr/bin/python3 - <<'EOF_ATTACK'\np = 'cachelib/__init__.py'\nsource = open(p).read()\n"
        f"open(p, 'w').write({code!r} + source)\nEOF_ATTACK"
    )


# A monkeypatch that would make the hidden tests pass if it were ever loaded by the grader.
FIX_BY_MONKEYPATCH = (
    "import cachelib.lru as _l\n_get = _l.LRUCache.get\n"
    "def _fixed(self, key, default=None):\n    v = _get(self, key, default)\n"
    "    if key in self._data:\n        self._data.move_to_end(key)\n    return v\n_l.LRUCache.get = _fixed\n"
)


@pytest.mark.parametrize(
    "commands",
    [
        pytest.param([write("tests/test_lru.py", PASSING_TEST)], id="edit-visible-tests"),
        pytest.param(["rm -rf tests"], id="delete-visible-tests"),
        pytest.param([write("conftest.py", CONFTEST), write("tests/conftest.py", CONFTEST)], id="conftest"),
        pytest.param(
            [
                write("sitecustomize.py", FIX_BY_MONKEYPATCH),
                write("usercustomize.py", FIX_BY_MONKEYPATCH),
                write("fix.pth", "import sitecustomize\n"),
                write("cachelib/fix.pth", "import sitecustomize\n"),
                "mkdir -p ~/.local/lib/python3.11/site-packages && cp sitecustomize.py ~/.local/lib/python3.11/site-packages/",
            ],
            id="sitecustomize-and-pth",
        ),
        pytest.param([prepend_init("import sys\nsys.exit(0)\n")], id="sys.exit-at-import"),
        pytest.param([prepend_init("import os\nos._exit(0)\n")], id="os._exit-at-import"),
        pytest.param(
            [
                prepend_init(
                    ALWAYS_EQUAL + "import builtins\n_s = builtins.sorted\nbuiltins.sorted = lambda *a, **k: _Yes()\n"
                    "import cachelib.lru as _l\n_l.LRUCache.keys_by_age = lambda self: _Yes()\n"
                )
            ],
            id="always-equal-results",
        ),
        pytest.param(
            [prepend_init(PATCH_BUILTINS + PATCH_UNITTEST + PATCH_PYTEST + PATCH_TIME)],
            id="monkeypatch-builtins-unittest-pytest-time",
        ),
        pytest.param(
            [prepend_init(FAKE_RESULTS)]
            + [
                write(p, '{"reward": 1.0, "passed": true}\n')
                for p in (".envgym-result", "reward.txt", "results.json", "report.xml", "/tmp/ENVGYM-RESULT")
            ],
            id="fake-result-files",
        ),
        pytest.param(
            [
                prepend_init(
                    "print('ENVGYM-RESULT {\"tests\": [], \"harness_error\": null} ' + '0' * 64)\nprint('4 passed')\n"
                )
            ],
            id="print-fake-pass",
        ),
        pytest.param([prepend_init(KILL_HARNESS)], id="kill-the-harness"),
        pytest.param([prepend_init(WRITE_HARNESS_FD)], id="write-into-harness-stdout"),
        pytest.param(
            [f"set -- /tmp/lru_fixed.py\n{WRITE_FIX}", "ln -sf /tmp/lru_fixed.py cachelib/lru.py"],
            id="symlink-out-of-workspace",
        ),
        pytest.param(
            [
                "mkdir -p /tmp/shadow/cachelib && cp -r cachelib/* /tmp/shadow/cachelib/",
                f"set -- /tmp/shadow/cachelib/lru.py\n{WRITE_FIX}",
                "rm -rf cachelib && ln -s /tmp/shadow/cachelib cachelib",
            ],
            id="symlink-package-dir",
        ),
        pytest.param(
            [
                f"set -- /tmp/lru_fixed.py\n{WRITE_FIX}",
                "setsid nohup sh -c 'sleep 1; while true; do cp /tmp/lru_fixed.py cachelib/lru.py; sleep 0.01; done' >/dev/null 2>&1 &",
            ],
            id="background-rewriter",
        ),
    ],
)
async def test_repo_attack_scores_zero(bwrap_ctx, commands):
    result = await repo(bwrap_ctx, *commands)
    assert_zero(result)


async def test_repo_symlinks_and_hooks_are_reported(bwrap_ctx):
    result = await repo(
        bwrap_ctx,
        f"set -- /tmp/lru_fixed.py\n{WRITE_FIX}",
        "ln -sf /tmp/lru_fixed.py cachelib/lru.py",
        write("conftest.py", CONFTEST),
    )
    assert_zero(result)
    signals = result.grade.details["tamper_signals"]
    assert any("cachelib/lru.py" in s for s in signals) and "conftest.py" in signals


async def test_repo_hidden_tests_are_nowhere_in_the_episode_sandbox(bwrap_ctx):
    task = CodingEnvironment.get_task("repo", REPO_TASK)
    hidden = next(iter(task.private["hidden_tests"].values()))
    assert "def test_get_refreshes_recency" in hidden
    assert all("test_get_refreshes_recency" not in content for content in task.payload["files"].values())
    env = CodingEnvironment("repo", context=bwrap_ctx)
    try:
        await env.reset(task)
        # Everything outside /usr, and inside it wherever an installed package's data would be (the
        # rest of /usr is the host's system files: searching them made this test time out under load).
        # Control: a copy planted in /tmp must be the one hit.
        search = (
            "echo test_get_refreshes_recency > /tmp/planted-copy; "
            "grep -rIl --exclude-dir=proc --exclude-dir=sys --exclude-dir=dev --exclude-dir=usr "
            "test_get_refreshes_recency / 2>/dev/null; grep -rIl test_get_refreshes_recency /usr/lib/python3* "
            '/usr/local /usr/share/python* 2>/dev/null; echo "DONE $(ls /usr/lib/python3.11/os.py)"'
        )
        step = await env.step(Action.call("bash", command=search, timeout=60))
        out = step.observation.messages[0].content
        assert "DONE /usr/lib/python3.11/os.py" in out
        assert out.split("--- stdout ---\n")[1].startswith("/tmp/planted-copy\nDONE"), out
        final = await env.step(Action.call("submit"))
    finally:
        await env.close()
    assert_zero(final)


async def test_task_listing_never_carries_hidden_tests_or_reference():
    for suite in ("humaneval", "repo"):
        for task in CodingEnvironment.tasks(suite)[:3]:
            public = json.dumps(task.public().model_dump())
            assert (
                "hidden_tests" not in public and "canonical_solution" not in public and "reference_patch" not in public
            )


async def test_repo_stopping_the_zygote_ends_the_grading_promptly(bwrap_ctx):
    """A solution that SIGSTOPs the process its workers are forked from: the remaining hidden tests err
    (after one bounded wait), the grading still reports, and the attack gains nothing."""
    stop_parent = "import os, signal\nos.kill(os.getppid(), signal.SIGSTOP)\n"
    result = await repo(bwrap_ctx, prepend_init(stop_parent))
    assert_zero(result)
    # Had the grading waited for the stopped zygote until its time budget ran out, the remaining
    # tests would say "timeout" (or the harness would be killed): they err after one bounded wait.
    tests = result.grade.details["tests"]
    assert any(t["outcome"] == "error" and "zygote" in t.get("message", "") for t in tests), tests
    assert not any(t["outcome"] == "timeout" for t in tests), tests


# --------------------------------------------------------------------------- state carried between gradings
# A solution with no task logic that records, across gradings, which of its guesses kept it alive
# learns every hidden assert of HumanEval-0 in four gradings, if anything it writes survives from one
# grading to the next. LEARNER stores what it learned in one CHANNEL; it also reports whether it found
# a stored state ("seen-before") and checks that its store works inside one grading ("roundtrip ok").

LEARNER = r"""
import ctypes, json, os, sys, zlib
CHANNEL, TOKEN = {channel!r}, {token!r}
libc = ctypes.CDLL(None, use_errno=True)
NAME = ("/learn-" + TOKEN).encode()
KEY = zlib.crc32(TOKEN.encode()) & 0x7FFFFFFF
NR_ADD_KEY, NR_KEYCTL = {{"x86_64": (248, 250), "aarch64": (217, 219)}}[os.uname().machine]
SAVES = [0]
FILES = {{"tmp": "/tmp/learn-" + TOKEN, "shm": "/dev/shm/learn-" + TOKEN, "home": os.path.expanduser("~/learn-" + TOKEN)}}


class MqAttr(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_long), ("maxmsg", ctypes.c_long), ("msgsize", ctypes.c_long),
                ("curmsgs", ctypes.c_long), ("pad", ctypes.c_long * 4)]


def _mq():
    return libc.mq_open(NAME, os.O_CREAT | os.O_RDWR | os.O_NONBLOCK, 0o600, ctypes.byref(MqAttr(0, 1, 4096, 0)))


def _load():
    buf = ctypes.create_string_buffer(8192)
    if CHANNEL in FILES:
        try:
            return open(FILES[CHANNEL]).read()
        except OSError:
            return None
    if CHANNEL == "mqueue":
        fd = _mq()
        n = libc.mq_receive(fd, buf, 4096, None)
        if n > 0:
            libc.mq_send(fd, buf, n, 0)  # put it back: reading is not consuming
        return buf.raw[:n].decode() if n > 0 else None
    if CHANNEL == "sysv":
        queue = libc.msgget(KEY, 0o1000 | 0o600)
        n = libc.msgrcv(queue, buf, 8000, 0, 0o4000)  # IPC_NOWAIT
        if n > 0:
            libc.msgsnd(queue, buf, n, 0o4000)
        return buf.raw[8:8 + n].decode() if n > 0 else None
    if CHANNEL == "keyring":
        # Keys in the user keyring are not possessed here, so only their descriptions can be read:
        # the state is kept in descriptions "learn-TOKEN:<n>:<state>", the highest n being current.
        n = libc.syscall(NR_KEYCTL, 11, -4, buf, 8192)  # KEYCTL_READ of a keyring: its key ids
        best = (-1, None)
        for i in range(0, max(n, 0), 4):
            desc = ctypes.create_string_buffer(8192)
            if libc.syscall(NR_KEYCTL, 6, int.from_bytes(buf.raw[i:i + 4], sys.byteorder), desc, 8192) > 0:
                text = desc.value.decode().split(";", 4)[-1]  # type;uid;gid;perm;description
                if text.startswith("learn-" + TOKEN + ":"):
                    _, count, stored = text.split(":", 2)
                    best = max(best, (int(count), stored))
        return best[1]


def _save(text):
    data = text.encode()
    if CHANNEL in FILES:
        open(FILES[CHANNEL], "w").write(text)
    elif CHANNEL == "mqueue":
        fd = _mq()
        libc.mq_receive(fd, ctypes.create_string_buffer(4096), 4096, None)
        libc.mq_send(fd, data, len(data), 0)
    elif CHANNEL == "sysv":
        queue = libc.msgget(KEY, 0o1000 | 0o600)
        libc.msgrcv(queue, ctypes.create_string_buffer(8192), 8000, 0, 0o4000)
        libc.msgsnd(queue, (1).to_bytes(8, sys.byteorder) + data, len(data), 0o4000)
    elif CHANNEL == "keyring":
        SAVES[0] += 1
        desc = "learn-%s:%d%06d:%s" % (TOKEN, os.getpid(), SAVES[0], text)
        libc.syscall(NR_ADD_KEY, b"user", desc.encode(), b"x", 1, -4)


stored = _load()
state = json.loads(stored) if stored else {{"answers": {{}}, "pending": None}}
if state["pending"] is not None:  # the last grading ended right after this guess: it was wrong
    state["answers"][state["pending"]] = not state["answers"][state["pending"]]
    state["pending"] = None
_save(json.dumps(state))
print("LEARNER", CHANNEL, "seen-before" if stored else "fresh",
      "roundtrip ok" if _load() == json.dumps(state) else "roundtrip BROKEN", "PID", os.getpid(), flush=True)
for _ in range(50):  # move the PID counter, in case it is what carries over
    if os.fork() == 0:
        os._exit(0)
    os.wait()


def has_close_elements(numbers, threshold):
    key = repr((numbers, threshold))
    state["pending"] = None  # called again: the last guess passed its assert
    if key not in state["answers"]:
        state["answers"][key] = True
        state["pending"] = key
    _save(json.dumps(state))
    return state["answers"][key]
"""
GRADINGS = 5


def learner(channel: str, token: str) -> str:
    return f"```python\n{LEARNER.format(channel=channel, token=token)}```\n"


async def test_control_state_kept_between_gradings_teaches_the_hidden_asserts():
    """The attack is real: where a grading's files outlive it (the unisolated process provider
    shares the host's /tmp), the learner scores 1 by its fourth grading without any task logic."""
    from envgym.kernel.context import EnvContext

    token = uuid.uuid4().hex[:12]
    ctx = EnvContext(sandbox="process")
    rewards = []
    try:
        for _ in range(GRADINGS):
            rewards.append((await humaneval(ctx, learner("tmp", token))).reward)
    finally:
        Path(f"/tmp/learn-{token}").unlink(missing_ok=True)
        await ctx.aclose()
    assert rewards[:4] == [0.0, 0.0, 0.0, 1.0], rewards


@pytest.mark.parametrize("channel", ["tmp", "shm", "home", "mqueue", "sysv", "keyring"])
async def test_gradings_share_nothing_a_learner_could_use(bwrap_ctx, channel):
    token = uuid.uuid4().hex[:12]
    pids = set()
    for _ in range(GRADINGS):
        result = await humaneval(bwrap_ctx, learner(channel, token))
        assert_zero(result)
        output = result.grade.details["tests"][0].get("output", "")
        # Control: the store works inside a grading. The attack: nothing stored ever reaches the next.
        assert f"LEARNER {channel} fresh roundtrip ok" in output, output
        pids.add(output.split("PID ")[1].split()[0])
    assert len(pids) == 1, pids  # a new PID namespace each time: the counter carries nothing either


async def test_a_grading_leaves_no_process_behind(bwrap_ctx):
    """Nothing of a grading runs on after it (a spinner would be a timing channel to the next)."""
    marker = f"envgym-spinner-{uuid.uuid4().hex}"
    spinner = (
        f"import os, sys\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
        f"        os.execv(sys.executable, [sys.executable, '-c', 'while True: pass', {marker!r}])\n    os._exit(0)\n"
    )
    result = await humaneval(bwrap_ctx, full_function(WRONG_BODY, spinner))
    assert_zero(result)
    assert _host_processes_with(marker) == []


def _host_processes_with(marker: str) -> list[int]:
    found = []
    for pid in [p for p in os.listdir("/proc") if p.isdigit()]:
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if marker.encode() in cmdline and int(pid) != os.getpid():
            found.append(int(pid))
    return found


# --------------------------------------------------------------------------- conditions the agent causes
# Each is scored (0 with a reason, or 1 where the task is solved anyway), never a grader_error:
# grader_error episodes are dropped from statistics and training, so turning a 0 into one is a gain.

SIGNAL_DEF = (
    "import os, signal\ndef _signal_everyone():\n    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, "
    "signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2, signal.SIGALRM, signal.SIGTSTP):\n"
    "        for pid in [int(p) for p in os.listdir('/proc') if p.isdigit()]:\n"
    "            if pid != os.getpid():\n                try:\n                    os.kill(pid, sig)\n"
    "                except OSError:\n                    pass\n"
)
SIGNAL_EVERYONE = SIGNAL_DEF + "_signal_everyone()\n"


async def test_humaneval_signals_to_the_harness_and_zygote_are_scored(bwrap_ctx):
    task = CodingEnvironment.get_task("humaneval", HE_TASK)
    canonical = task.payload["prompt"] + task.private["canonical_solution"]
    # Control: a right solution that signals every process still scores 1 (the harness ignores them).
    right = await humaneval(bwrap_ctx, f"```python\n{SIGNAL_EVERYONE}\n{canonical}```\n")
    assert right.reward == 1.0 and right.info["status"] == "completed", right.info
    assert_zero(await humaneval(bwrap_ctx, full_function(WRONG_BODY, SIGNAL_EVERYONE)))
    in_call = full_function("    _signal_everyone()\n    return False\n", SIGNAL_DEF)
    assert_zero(await humaneval(bwrap_ctx, in_call))


STOP_SUPERVISOR_DEF = (
    "import os, signal\ndef _stop_supervisor():\n    pid = os.getpid()\n"
    "    for _ in range(3):  # worker -> zygote -> harness -> the sandbox's exec supervisor\n"
    "        with open('/proc/%d/stat' % pid) as fh:\n"
    "            pid = int(fh.read().rsplit(')', 1)[1].split()[1])\n"
    "    os.kill(pid, signal.SIGSTOP)\n"
)


async def test_humaneval_stopping_the_sandbox_supervisor_is_scored(bwrap_ctx):
    """The grading sandbox's exec supervisor runs as the solution's user: a solution can SIGSTOP it.
    The sandbox's init continues it, so the grading reports (not a grader_error after the host's
    stall guard, three times over)."""
    task = CodingEnvironment.get_task("humaneval", HE_TASK)
    canonical = task.payload["prompt"] + task.private["canonical_solution"]
    right = await humaneval(bwrap_ctx, f"```python\n{STOP_SUPERVISOR_DEF}_stop_supervisor()\n{canonical}```\n")
    assert right.reward == 1.0 and right.info["status"] == "completed", right.info  # the control
    in_call = full_function("    _stop_supervisor()\n    return False\n", STOP_SUPERVISOR_DEF)
    assert_zero(await humaneval(bwrap_ctx, in_call))


async def test_humaneval_huge_output_is_scored(bwrap_ctx):
    task = CodingEnvironment.get_task("humaneval", HE_TASK)
    flood = "import sys\nfor _ in range(300):\n    sys.stdout.write('x' * (1 << 20))\n"
    assert_zero(await humaneval(bwrap_ctx, full_function(WRONG_BODY, flood)))
    canonical = task.payload["prompt"] + task.private["canonical_solution"]
    loud = await humaneval(bwrap_ctx, f"```python\nprint('y' * 5_000_000)\n{canonical}```\n")
    assert loud.reward == 1.0, loud.info  # control: output alone changes nothing


async def test_repo_signals_to_the_harness_and_zygote_are_scored(bwrap_ctx):
    assert_zero(await repo(bwrap_ctx, prepend_init(SIGNAL_EVERYONE)))
    right = await repo(bwrap_ctx, f"set -- cachelib/lru.py\n{WRITE_FIX}", prepend_init(SIGNAL_EVERYONE))
    assert right.reward == 1.0 and right.info["status"] == "completed", right.info


FIX = f"set -- cachelib/lru.py\n{WRITE_FIX}"


@pytest.mark.parametrize(
    "commands,reason",
    [
        pytest.param([FIX, "chmod 000 cachelib/lru.py"], "unreadable", id="unreadable-file"),
        pytest.param([FIX, "chmod 000 cachelib"], "unreadable directory", id="unreadable-directory"),
        pytest.param([FIX, "chmod 000 /workspace"], "unreadable directory", id="locked-workspace"),
    ],
)
async def test_repo_unreadable_files_are_scored_with_a_reason(bwrap_ctx, commands, reason):
    result = await repo(bwrap_ctx, *commands)
    assert_zero(result)
    assert any(why.startswith(reason) for _, why in result.grade.details["skipped_files"]), result.grade.details


@pytest.mark.parametrize(
    "commands",
    [
        pytest.param(["chmod 000 /tmp ~ && chmod 555 /workspace/tests"], id="locked-tmp-home-and-tests"),
        pytest.param(["mkfifo cachelib/pipe.py tests/fifo"], id="fifos"),
        pytest.param(
            [
                "/usr/bin/python3 -c \"import os; [open(n, 'w').close() for n in ('a\\nb.py', 'caf\\xe9.txt')]; "
                "os.close(os.open(b'raw\\xff.bin', os.O_CREAT | os.O_WRONLY))\""
            ],
            id="odd-names",
        ),
        pytest.param(
            ["d=deep; for i in $(seq 1200); do d=$d/d; done; mkdir -p ${d:0:3500} 2>/dev/null; true"], id="deep-nesting"
        ),
        pytest.param(
            [
                "head -c 600M /dev/zero > /tmp/fill 2>/dev/null; head -c 100M /dev/zero > fill 2>/dev/null; df /workspace"
            ],
            id="full-disk",
        ),
        pytest.param(["mkdir junk && cd junk && seq 25000 | xargs touch"], id="too-many-files"),
    ],
)
async def test_repo_workspace_conditions_are_scored_not_errors(bwrap_ctx, commands):
    """A solved task stays solved whatever else the agent left; at worst a condition costs it the
    reward (too many files), and the grade says why. Never a grader_error."""
    result = await repo(bwrap_ctx, FIX, *commands)
    assert result.info["status"] == "completed" and result.grade.status == "ok", result.info
    if "junk" in commands[0]:
        assert any(why.startswith("too many files") for _, why in result.grade.details["skipped_files"])
    else:
        assert result.reward == 1.0, result.grade.details
