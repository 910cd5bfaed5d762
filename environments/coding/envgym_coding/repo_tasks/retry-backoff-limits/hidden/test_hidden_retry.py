SETUP = """
from retrying import Backoff, retry
calls, sleeps = [], []
@retry(attempts=ATTEMPTS, retry_on=(OSError,), backoff=Backoff(1, 3, 5), sleep=sleeps.append)
def flaky(n_fail):
    calls.append(1)
    if len(calls) <= n_fail:
        raise OSError("fail %d" % len(calls))
    return len(calls)
"""


def test_exact_attempts(project):
    got = project.run(SETUP.replace("ATTEMPTS", "3") + """
try:
    flaky(10)
    msg = None
except OSError as exc:
    msg = str(exc)
result = [len(calls), sleeps, msg]
""")
    assert got == [3, [1, 3], "fail 3"]


def test_delays_capped(project):
    got = project.run(SETUP.replace("ATTEMPTS", "6") + "result = [flaky(4), sleeps]")
    assert got == [5, [1, 3, 5, 5]]


def test_single_attempt(project):
    got = project.run(SETUP.replace("ATTEMPTS", "1") + "try:\n    flaky(1)\nexcept OSError:\n    pass\nresult = [len(calls), sleeps]")
    assert got == [1, []]


def test_last_attempt_may_succeed(project):
    got = project.run(SETUP.replace("ATTEMPTS", "4") + "result = [flaky(3), sleeps]")
    assert got == [4, [1, 3, 5]]


def test_policy_cap(project):
    assert project.run("from retrying import Backoff\nresult = [Backoff(0.5, 2, 3).delay(n) for n in range(5)]") == [0.5, 1.0, 2.0, 3, 3]
    assert project.run("from retrying import Backoff\nresult = Backoff(1, 10, 50).delays(4)") == [1, 10, 50, 50]
    assert project.run("from retrying import Backoff\nresult = Backoff(2, 1, 2).delay(30)") == 2


def test_jitter_stays_under_the_cap(project):
    got = project.run("""
import random
from retrying import Backoff
rng = random.Random(11)
result = [max(Backoff(1, 10, 5, jitter).jittered(n, rng) for n in range(2, 8) for _ in range(20))
          for jitter in ("full", "equal")]
""")
    assert all(0 < value <= 5 for value in got), got


def test_rejected_results_exact_attempts(project):
    got = project.run("""
from retrying import Backoff, RetryError, Retrying, RetryPolicy
calls, waits = [], []
policy = RetryPolicy(attempts=3, backoff=Backoff(2, 2, 3), retry_if_result=lambda r: r is None)
try:
    Retrying(policy, sleep=waits.append).call(lambda: calls.append(1))
    outcome = None
except RetryError as exc:
    outcome = exc.attempts
result = [len(calls), waits, outcome]
""")
    assert got == [3, [2, 3], 3]


def test_environment_settings(project):
    got = project.run("""
from retrying import Retrying, policy_from_mapping
policy = policy_from_mapping({"RETRY_ATTEMPTS": "2", "RETRY_BASE_DELAY": "0.4", "RETRY_MAX_DELAY": "0.5"})
calls, waits = [], []
def down():
    calls.append(1)
    raise ConnectionError("down")
try:
    Retrying(policy, sleep=waits.append).call(down)
except ConnectionError:
    pass
result = [len(calls), waits, policy.backoff.delay(3)]
""")
    assert got == [2, [0.4], 0.5]


def test_cli_gives_up_after_attempts(project):
    got = project.run("""
import io
from retrying.cli import main
runs, waits = [], []
def run(command):
    runs.append(command)
    return 3
code = main(["--attempts", "4", "--delay", "1", "--factor", "3", "--max-delay", "5", "--", "ping", "-c1"],
            run=run, sleep=waits.append, stderr=io.StringIO())
result = [code, len(runs), waits]
""")
    assert got == [3, 4, [1, 3, 5]]
