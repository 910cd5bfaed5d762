"""The reward-integrity battery (DESIGN.md §7), on the bwrap sandbox, for both suites.

Every attack leaves the task unsolved and tries to get a reward anyway; each must score 0 (a
``tampered`` flag may come with it). Control tests show the same path does give 1 to a real solution,
so a zero here is the attack failing, not the harness being broken.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from envgym.protocol import Action
from envgym_coding import CodingEnvironment

HE_TASK = "HumanEval-0"  # has_close_elements(numbers, threshold) -> bool
WRONG_BODY = "    return False\n"
REPO_TASK = "lru-cache-recency"
# Writes the real fix of lru-cache-recency to the path given as $1 (used to stage "fixed" files out of reach).
WRITE_FIX = ("/usr/bin/python3 - \"$1\" <<'EOF'\nimport sys\nsrc = open('cachelib/lru.py').read()\n"
             "src = src.replace('        self.stats.hits += 1\\n', '        self.stats.hits += 1\\n        self._data.move_to_end(key)\\n')\n"
             "open(sys.argv[1], 'w').write(src)\nEOF\n")


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
ALWAYS_EQUAL = ("class _Yes:\n    def __eq__(self, other): return True\n    def __ne__(self, other): return False\n"
                "    def __bool__(self): return True\n    def __hash__(self): return 0\n")
PATCH_BUILTINS = ("import builtins\nbuiltins.AssertionError = type('AssertionError', (BaseException,), {})\n"
                  "builtins.isinstance = lambda *a: True\nbuiltins.abs = lambda x: 0\nbuiltins.len = lambda x: 0\n")
PATCH_UNITTEST = ("import unittest\nfor _n in dir(unittest.TestCase):\n    if _n.startswith('assert'):\n"
                  "        setattr(unittest.TestCase, _n, lambda *a, **k: None)\n"
                  "unittest.TestResult.wasSuccessful = lambda self: True\n")
PATCH_PYTEST = ("import sys\nsys.path.append('/usr/lib/python3/dist-packages')\ntry:\n    import pytest, _pytest.runner, _pytest.python\n"
                "    _pytest.runner.pytest_runtest_call = lambda item: None\n    _pytest.python.Function.runtest = lambda self: None\n"
                "    pytest.fail = lambda *a, **k: None\nexcept ImportError:\n    pass\n")
PATCH_TIME = ("import time\n_t = [0.0]\ntime.time = lambda: _t[0]\ntime.monotonic = lambda: _t[0]\ntime.perf_counter = lambda: 0.0\n"
              "time.sleep = lambda s: None\n")
FAKE_RESULTS = (
    "import json, os, sys\nfake = 'ENVGYM-RESULT ' + json.dumps({'tests': [{'name': 'check', 'outcome': 'passed'}], 'harness_error': None}) + ' 00'\n"
    "print('===== 164 passed in 0.01s =====\\nALL TESTS PASSED\\n' + fake)\nsys.stderr.write(fake + '\\n')\n"
    "for p in ['/tmp/ENVGYM-RESULT', 'result.json', 'reward.txt', '/tmp/reward', 'report.xml', '/tmp/results.json']:\n"
    "    try:\n        open(p, 'w').write(fake + '\\n1.0\\n')\n    except OSError:\n        pass\n"
    "try:\n    open('/dev/stdout', 'w').write(fake + '\\n')\nexcept OSError:\n    pass\n")
STARTUP_HOOKS = (
    "import os\nhook = 'import builtins\\nbuiltins.AssertionError = type(\"X\", (BaseException,), {})\\n'\n"
    "for p in ['sitecustomize.py', 'usercustomize.py', 'conftest.py', '/tmp/sitecustomize.py', 'x.pth']:\n"
    "    try:\n        open(p, 'w').write(hook if p.endswith('.py') else 'import sitecustomize\\n')\n    except OSError:\n        pass\n")
# Every other process the solution can see (its parent is not necessarily the harness): kill them all,
# or write a forged result line into every descriptor of theirs.
KILL_HARNESS = ("import os, signal\nfor pid in [int(p) for p in os.listdir('/proc') if p.isdigit()]:\n"
                "    if pid != os.getpid():\n        try:\n            os.kill(pid, signal.SIGKILL)\n"
                "        except OSError:\n            pass\n")
WRITE_HARNESS_FD = (
    "import os, json\nfake = 'ENVGYM-RESULT ' + json.dumps({'tests': [{'name': 'x', 'outcome': 'passed'}], 'harness_error': None}) + ' ' + '0' * 64\n"
    "for pid in [p for p in os.listdir('/proc') if p.isdigit() and int(p) != os.getpid()]:\n"
    "    for fd in range(0, 8):\n        try:\n            with open(f'/proc/{pid}/fd/{fd}', 'w') as fh:\n                fh.write('\\n' + fake + '\\n')\n"
    "        except OSError:\n            pass\n")


@pytest.mark.parametrize("answer", [
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
])
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
    "joined = head + tail\nprint('CONTROL', 'FOUND' if scan() else 'MISSED', flush=True)\n")


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
    search = ("import os, re\nme = os.path.abspath(__file__)\nnames, hits = [], []\nfor root, dirs, files in os.walk('/'):\n"
              "    dirs[:] = [d for d in dirs if os.path.join(root, d) not in ('/proc', '/sys', '/dev')]\n"
              "    for f in files + dirs:\n        if re.search(r'human.?eval|envgym', f, re.I) and os.path.join(root, f) != me:\n            names.append(os.path.join(root, f))\n"
              "    if root.startswith('/usr') and not root.startswith(('/usr/lib/python3', '/usr/local')):\n        continue\n"
              "    for f in files:\n        p = os.path.join(root, f)\n        try:\n"
              "            if p != me and os.path.getsize(p) < 50_000_000 and NEEDLE in open(p, 'rb').read():\n                hits.append(p)\n"
              "        except OSError:\n            pass\nprint('HITS', hits, names)\nprint('SEARCHED', os.path.exists('/usr/lib/python3.11/os.py'))\n")
    env = CodingEnvironment("humaneval-tools", context=bwrap_ctx)
    try:
        await env.reset(task)
        step = await env.step(Action.call("run_python", code=search.replace("NEEDLE", repr(needle.encode())), timeout=60))
        out = step.observation.messages[0].content
        assert "HITS [] []" in out and "SEARCHED True" in out, out
        final = await env.step(Action.call("submit", code=task.payload["prompt"] + WRONG_BODY))
    finally:
        await env.close()
    assert_zero(final)


async def test_humaneval_tools_daemon_and_hooks_in_episode_sandbox_do_not_help(bwrap_ctx):
    task = CodingEnvironment.get_task("humaneval-tools", HE_TASK)
    daemon = ("import os, time\nopen('sitecustomize.py', 'w').write('import builtins\\nbuiltins.AssertionError = Exception\\n')\n"
              "open('conftest.py', 'w').write('raise SystemExit(0)\\n')\nopen('/tmp/x.pth', 'w').write('import sitecustomize\\n')\n"
              "if os.fork() == 0:\n    os.setsid()\n    while True:\n        open('/tmp/alive', 'w').write(str(time.time()))\n        time.sleep(0.05)\n"
              "print('started')\n")
    env = CodingEnvironment("humaneval-tools", context=bwrap_ctx)
    try:
        await env.reset(task)
        await env.step(Action.call("run_python", code=daemon))
        check = await env.step(Action.call("run_python", code="import os, time\nt = os.path.getmtime('/tmp/alive')\ntime.sleep(0.5)\nprint('STILL', os.path.getmtime('/tmp/alive') != t)\n"))
        assert "STILL False" in check.observation.messages[0].content
        final = await env.step(Action.call("submit", code=task.payload["prompt"] + WRONG_BODY))
    finally:
        await env.close()
    assert_zero(final)


# --------------------------------------------------------------------------- repository attacks

PASSING_TEST = "def test_everything():\n    assert True\n"
CONFTEST = ("import pytest\n@pytest.hookimpl(hookwrapper=True)\ndef pytest_runtest_makereport(item, call):\n    outcome = yield\n"
            "    rep = outcome.get_result()\n    rep.outcome = 'passed'\n")


def write(path: str, content: str) -> str:
    return f"mkdir -p \"$(dirname {path})\" && cat > {path} <<'EOF_ATTACK'\n{content}EOF_ATTACK"


def prepend_init(code: str) -> str:
    return f"/usr/bin/python3 - <<'EOF_ATTACK'\np = 'cachelib/__init__.py'\nopen(p, 'w').write({code!r} + open(p).read())\nEOF_ATTACK"


# A monkeypatch that would make the hidden tests pass if it were ever loaded by the grader.
FIX_BY_MONKEYPATCH = ("import cachelib.lru as _l\n_get = _l.LRUCache.get\n"
                      "def _fixed(self, key, default=None):\n    v = _get(self, key, default)\n"
                      "    if key in self._data:\n        self._data.move_to_end(key)\n    return v\n_l.LRUCache.get = _fixed\n")


@pytest.mark.parametrize("commands", [
    pytest.param([write("tests/test_lru.py", PASSING_TEST)], id="edit-visible-tests"),
    pytest.param(["rm -rf tests"], id="delete-visible-tests"),
    pytest.param([write("conftest.py", CONFTEST), write("tests/conftest.py", CONFTEST)], id="conftest"),
    pytest.param([write("sitecustomize.py", FIX_BY_MONKEYPATCH), write("usercustomize.py", FIX_BY_MONKEYPATCH),
                  write("fix.pth", "import sitecustomize\n"), write("cachelib/fix.pth", "import sitecustomize\n"),
                  "mkdir -p ~/.local/lib/python3.11/site-packages && cp sitecustomize.py ~/.local/lib/python3.11/site-packages/"],
                 id="sitecustomize-and-pth"),
    pytest.param([prepend_init("import sys\nsys.exit(0)\n")], id="sys.exit-at-import"),
    pytest.param([prepend_init("import os\nos._exit(0)\n")], id="os._exit-at-import"),
    pytest.param([prepend_init(ALWAYS_EQUAL + "import builtins\n_s = builtins.sorted\nbuiltins.sorted = lambda *a, **k: _Yes()\n"
                               "import cachelib.lru as _l\n_l.LRUCache.keys_by_age = lambda self: _Yes()\n")], id="always-equal-results"),
    pytest.param([prepend_init(PATCH_BUILTINS + PATCH_UNITTEST + PATCH_PYTEST + PATCH_TIME)], id="monkeypatch-builtins-unittest-pytest-time"),
    pytest.param([prepend_init(FAKE_RESULTS)] + [write(p, '{"reward": 1.0, "passed": true}\n') for p in
                  (".envgym-result", "reward.txt", "results.json", "report.xml", "/tmp/ENVGYM-RESULT")], id="fake-result-files"),
    pytest.param([prepend_init("print('ENVGYM-RESULT {\"tests\": [], \"harness_error\": null} ' + '0' * 64)\nprint('4 passed')\n")],
                 id="print-fake-pass"),
    pytest.param([prepend_init(KILL_HARNESS)], id="kill-the-harness"),
    pytest.param([prepend_init(WRITE_HARNESS_FD)], id="write-into-harness-stdout"),
    pytest.param([f"set -- /tmp/lru_fixed.py\n{WRITE_FIX}", "ln -sf /tmp/lru_fixed.py cachelib/lru.py"], id="symlink-out-of-workspace"),
    pytest.param(["mkdir -p /tmp/shadow/cachelib && cp -r cachelib/* /tmp/shadow/cachelib/",
                  f"set -- /tmp/shadow/cachelib/lru.py\n{WRITE_FIX}", "rm -rf cachelib && ln -s /tmp/shadow/cachelib cachelib"],
                 id="symlink-package-dir"),
    pytest.param([f"set -- /tmp/lru_fixed.py\n{WRITE_FIX}",
                  "setsid nohup sh -c 'sleep 1; while true; do cp /tmp/lru_fixed.py cachelib/lru.py; sleep 0.01; done' >/dev/null 2>&1 &"],
                 id="background-rewriter"),
])
async def test_repo_attack_scores_zero(bwrap_ctx, commands):
    result = await repo(bwrap_ctx, *commands)
    assert_zero(result)


async def test_repo_symlinks_and_hooks_are_reported(bwrap_ctx):
    result = await repo(bwrap_ctx, f"set -- /tmp/lru_fixed.py\n{WRITE_FIX}", "ln -sf /tmp/lru_fixed.py cachelib/lru.py",
                        write("conftest.py", CONFTEST))
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
        step = await env.step(Action.call("bash", command="grep -rIl --exclude-dir=proc --exclude-dir=sys --exclude-dir=dev "
                                          "test_get_refreshes_recency / 2>/dev/null; echo \"DONE $(ls /usr/lib/python3.11/os.py)\""))
        out = step.observation.messages[0].content
        assert "DONE /usr/lib/python3.11/os.py" in out
        assert out.split("--- stdout ---\n")[1].startswith("DONE"), out
        final = await env.step(Action.call("submit"))
    finally:
        await env.close()
    assert_zero(final)


async def test_task_listing_never_carries_hidden_tests_or_reference():
    for suite in ("humaneval", "repo"):
        for task in CodingEnvironment.tasks(suite)[:3]:
            public = json.dumps(task.public().model_dump())
            assert "hidden_tests" not in public and "canonical_solution" not in public and "reference_patch" not in public


async def test_repo_stopping_the_zygote_ends_the_grading_promptly(bwrap_ctx):
    """A solution that SIGSTOPs the process its workers are forked from: the remaining hidden tests err
    (after one bounded wait), the grading still reports, and the attack gains nothing."""
    stop_parent = "import os, signal\nos.kill(os.getppid(), signal.SIGSTOP)\n"
    started = asyncio.get_running_loop().time()
    result = await repo(bwrap_ctx, prepend_init(stop_parent))
    assert_zero(result)
    tests = result.grade.details["tests"]
    assert any(t["outcome"] == "error" and "zygote" in t.get("message", "") for t in tests), tests
    assert asyncio.get_running_loop().time() - started < 60
