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


def test_policy_cap(project):
    assert project.run("from retrying import Backoff\nresult = [Backoff(0.5, 2, 3).delay(n) for n in range(5)]") == [0.5, 1.0, 2.0, 3, 3]
