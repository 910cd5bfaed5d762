import io
from datetime import datetime, timedelta, timezone

import pytest

from cronlite import Cron, CronError, describe, format_field, parse_field
from cronlite.cli import main


def test_fields():
    assert parse_field("*/15", "minute") == {0, 15, 30, 45}
    assert parse_field("1,2,5-7", "hour") == {1, 2, 5, 6, 7}


def test_names_and_sunday_as_seven():
    assert parse_field("mon-fri", "weekday") == {1, 2, 3, 4, 5}
    assert parse_field("SAT,7", "weekday") == {6, 0}
    assert parse_field("jan,jul-sep", "month") == {1, 7, 8, 9}
    with pytest.raises(CronError):
        parse_field("mon", "month")


def test_next_run():
    cron = Cron.parse("30 9 * * 1")
    assert cron.next_run(datetime(2024, 1, 1, 10, 0)) == datetime(2024, 1, 8, 9, 30)
    assert cron.next_run(datetime(2024, 1, 1, 9, 29, 59)) == datetime(2024, 1, 1, 9, 30)


def test_next_run_leap_day_and_time_zone():
    cron = Cron.parse("0 0 29 2 *")
    assert cron.next_run(datetime(2024, 3, 1)) == datetime(2028, 2, 29)
    aware = datetime(2024, 1, 1, 23, 59, tzinfo=timezone.utc)
    assert Cron.parse("@daily").next_run(aware) == datetime(2024, 1, 2, tzinfo=timezone.utc)


def test_day_fields_use_or_when_both_restricted():
    cron = Cron.parse("0 12 1 * mon")
    runs = cron.runs_between(datetime(2024, 4, 1), datetime(2024, 4, 30))
    assert [r.day for r in runs] == [1, 8, 15, 22, 29]
    only_first = Cron.parse("0 12 1 * *").runs_between(datetime(2024, 4, 1), datetime(2024, 6, 30))
    assert [r.month for r in only_first] == [4, 5, 6]


def test_iter_runs_and_limit():
    every_minute = Cron.parse("* * * * *")
    start = datetime(2024, 1, 1)
    assert len(every_minute.runs_between(start, start + timedelta(hours=1))) == 60
    assert len(every_minute.runs_between(start, start + timedelta(days=30), limit=100)) == 100


def test_macros():
    assert Cron.parse("@hourly") == Cron.parse("0 * * * *")
    with pytest.raises(CronError):
        Cron.parse("@fortnightly")


def test_invalid():
    with pytest.raises(CronError):
        parse_field("61", "minute")
    with pytest.raises(CronError):
        Cron.parse("* * *")
    with pytest.raises(CronError):
        parse_field("1,,2", "hour")


def test_format_field():
    assert format_field(set(range(60)), "minute") == "*"
    assert format_field({0, 15, 30, 45}, "minute") == "*/15"
    assert format_field({1, 2, 3, 7, 9, 10}, "day") == "1-3,7,9-10"
    assert format_field(set(range(7)), "weekday") == "*"


def test_describe():
    assert describe("30 9 * * 1-5") == "at 09:30 on Monday, Tuesday, Wednesday, Thursday and Friday"
    assert describe("*/15 * * * *") == "at minute */15"
    assert describe("0 0 1 jan *") == "at 00:00 on day 1 of the month in January"
    assert describe("0 12 1 * mon") == "at 12:00 on day 1 of the month or on Monday"


def test_cli():
    out = io.StringIO()
    assert main(["0 9 * * mon", "--after", "2024-03-01T00:00", "--count", "2", "--describe"], out=out) == 0
    assert out.getvalue().splitlines() == ["at 09:00 on Monday", "2024-03-04 09:00", "2024-03-11 09:00"]
    assert main(["0 9 * *", "--after", "2024-03-01T00:00"], out=io.StringIO()) == 1
