def test_stepped_ranges(project):
    got = project.run("from cronlite import parse_field\nresult = [sorted(parse_field('1-10/3', 'minute')), sorted(parse_field('9-17/2', 'hour')), sorted(parse_field('1-5/2,20', 'day'))]")
    assert got == [[1, 4, 7, 10], [9, 11, 13, 15, 17], [1, 3, 5, 20]]


def test_next_run_stepped(project):
    got = project.run("""
from datetime import datetime
from cronlite import Cron
c = Cron.parse("0 9-17/4 * * *")
t = datetime(2024, 3, 1, 8, 0)
runs = []
for _ in range(4):
    t = c.next_run(t)
    runs.append(t.isoformat())
result = runs
""")
    assert got == ["2024-03-01T09:00:00", "2024-03-01T13:00:00", "2024-03-01T17:00:00", "2024-03-02T09:00:00"]


def test_still_rejects(project):
    for text in ["5/2", "1-70/5", "10-1/2", "*/0", "a-b/2"]:
        err = project.error("from cronlite import parse_field\nparse_field(t, 'minute')", t=text)
        assert err is not None and "CronError" in err.mro, text


def test_plain_step(project):
    assert project.run("from cronlite import parse_field\nresult = sorted(parse_field('*/20', 'minute'))") == [0, 20, 40]
