from datetime import datetime

import pytest

from cronlite import Cron, CronError, parse_field


def test_fields():
    assert parse_field("*/15", "minute") == {0, 15, 30, 45}
    assert parse_field("1,2,5-7", "hour") == {1, 2, 5, 6, 7}


def test_next_run():
    cron = Cron.parse("30 9 * * 1")
    assert cron.next_run(datetime(2024, 1, 1, 10, 0)) == datetime(2024, 1, 8, 9, 30)


def test_invalid():
    with pytest.raises(CronError):
        parse_field("61", "minute")
    with pytest.raises(CronError):
        Cron.parse("* * *")
