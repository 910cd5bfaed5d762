from datetime import date

import pytest

from todo.dates import describe_due, parse_due

WEDNESDAY = date(2024, 5, 15)


def test_parse_due():
    assert parse_due("today", WEDNESDAY) == WEDNESDAY
    assert parse_due("Tomorrow", WEDNESDAY) == date(2024, 5, 16)
    assert parse_due("wednesday", WEDNESDAY) == date(2024, 5, 22)
    assert parse_due("monday", WEDNESDAY) == date(2024, 5, 20)
    assert parse_due("+3d", WEDNESDAY) == date(2024, 5, 18)
    assert parse_due("+2w", WEDNESDAY) == date(2024, 5, 29)
    assert parse_due("2024-06-01", WEDNESDAY) == date(2024, 6, 1)
    with pytest.raises(ValueError):
        parse_due("soon", WEDNESDAY)


def test_describe_due():
    assert [describe_due(date(2024, 5, d), WEDNESDAY) for d in (14, 15, 16, 18, 12, 31)] == [
        "yesterday", "today", "tomorrow", "in 3 days", "3 days ago", "2024-05-31"]
