def test_stepped_ranges(project):
    got = project.run("from cronlite import parse_field\nresult = [sorted(parse_field('1-10/3', 'minute')), sorted(parse_field('9-17/2', 'hour')), sorted(parse_field('1-5/2,20', 'day'))]")
    assert got == [[1, 4, 7, 10], [9, 11, 13, 15, 17], [1, 3, 5, 20]]


def test_stepped_range_edges(project):
    got = project.run("""
from cronlite import parse_field
result = [sorted(parse_field('5-10/10', 'minute')), sorted(parse_field('0-59/30', 'minute')),
          sorted(parse_field('10-12/1', 'hour')), sorted(parse_field('20-23/2,1-3/2', 'hour')),
          sorted(parse_field('31-31/5', 'day'))]
""")
    assert got == [[5], [0, 30], [10, 11, 12], [1, 3, 20, 22], [31]]


def test_stepped_ranges_with_names(project):
    got = project.run("""
from cronlite import parse_field
result = [sorted(parse_field('mon-fri/2', 'weekday')), sorted(parse_field('jan-dec/3', 'month')),
          sorted(parse_field('MAR-AUG/2', 'month'))]
""")
    assert got == [[1, 3, 5], [1, 4, 7, 10], [3, 5, 7]]


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


def test_cron_fields_and_cli(project):
    got = project.run("""
import io
from cronlite import Cron
from cronlite.cli import main
c = Cron.parse("10-40/15 22-23/1 * 1-12/6 *")
out = io.StringIO()
code = main(["0 8-18/5 * * mon-fri/2", "--after", "2024-03-01T12:00", "--count", "4"], out=out)
result = [sorted(c.minutes), sorted(c.hours), sorted(c.months), code, out.getvalue().splitlines()]
""")
    assert got == [[10, 25, 40], [22, 23], [1, 7], 0,
                   ["2024-03-01 13:00", "2024-03-01 18:00", "2024-03-04 08:00", "2024-03-04 13:00"]]


def test_still_rejects(project):
    for text in ["5/2", "1-70/5", "10-1/2", "*/0", "a-b/2", "1-5/0", "1-5/x", "1-5/", "-5/2", "1-/2"]:
        err = project.error("from cronlite import parse_field\nparse_field(t, 'minute')", t=text)
        assert err is not None and "CronError" in err.mro, text
    err = project.error("from cronlite import parse_field\nparse_field('20-25/2', 'hour')")
    assert err is not None and "CronError" in err.mro


def test_plain_step(project):
    assert project.run("from cronlite import parse_field\nresult = sorted(parse_field('*/20', 'minute'))") == [0, 20, 40]
