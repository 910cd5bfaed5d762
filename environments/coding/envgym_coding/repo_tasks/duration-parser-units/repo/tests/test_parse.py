import pytest

from timeparse import DurationError, format_duration, parse_duration


def test_seconds_and_hours():
    assert parse_duration("90s") == 90
    assert parse_duration("3h") == 10800
    assert parse_duration("42") == 42


def test_rejects_garbage():
    with pytest.raises(DurationError):
        parse_duration("soon")


def test_format():
    assert format_duration(3725) == "1h2m5s"
