import subprocess
import sys
from datetime import timedelta

import pytest

from timeparse import (DurationError, format_clock, format_duration, format_iso_duration, format_verbose,
                       parse_duration, parse_iso_duration, parse_timedelta)
from timeparse.cli import main


def test_seconds_and_hours():
    assert parse_duration("90s") == 90
    assert parse_duration("3h") == 10800
    assert parse_duration("42") == 42
    assert parse_duration(".5") == 0.5


def test_words_and_separators():
    assert parse_duration("2 hours") == 7200
    assert parse_duration("1 day, 2 hrs") == 93600
    assert parse_duration("1 week and 3 Seconds") == 604803
    assert parse_timedelta("1d 1s") == timedelta(days=1, seconds=1)


def test_clock_notation():
    assert parse_duration("1:30:00") == 5400
    assert parse_duration("2:05") == 125
    assert parse_duration("0:00:01.5") == 1.5
    with pytest.raises(DurationError):
        parse_duration("1:75")


def test_iso_8601():
    assert parse_duration("PT1H30M") == 5400
    assert parse_iso_duration("P1DT0.5S") == 86400.5
    assert parse_iso_duration("p2w") == 1209600
    for bad in ("P", "PT", "P1Y", "P1M", "PT1H30"):
        with pytest.raises(DurationError):
            parse_iso_duration(bad)


def test_rejects_garbage():
    for bad in ("soon", "", "5 parsecs", "1h 2h", "h", "1h30", "3h x"):
        with pytest.raises(DurationError):
            parse_duration(bad)


def test_format():
    assert format_duration(3725) == "1h2m5s"
    assert format_duration(0) == "0s" and format_duration(1.9996) == "2s"
    assert format_duration(90061, largest="h") == "25h1m1s"
    with pytest.raises(DurationError):
        format_duration(-1)
    with pytest.raises(DurationError):
        format_duration(1, largest="y")


def test_other_formats():
    assert format_verbose(3725) == "1 hour 2 minutes 5 seconds"
    assert format_verbose(86401.001) == "1 day 1 second 1 millisecond"
    assert format_clock(3725) == "1:02:05" and format_clock(90061) == "25:01:01"
    assert [format_iso_duration(s) for s in (0, 5400, 90061, 1.5)] == ["PT0S", "PT1H30M", "P1DT1H1M1S", "PT1.5S"]


def test_iso_and_clock_round_trip():
    for seconds in (0, 1, 59, 3600, 3725, 90061, 700000):
        assert parse_duration(format_iso_duration(seconds)) == seconds
        assert parse_duration(format_clock(seconds)) == seconds


def test_cli(capsys):
    assert main(["90s", "2h", "--to", "clock"]) == 0
    assert capsys.readouterr().out.split() == ["0:01:30", "2:00:00"]
    assert main(["--sum", "1h", "1d"]) == 0
    assert capsys.readouterr().out.split() == ["90000.0"]
    assert main(["soon"]) == 2
    assert "error:" in capsys.readouterr().err


def test_module_entry_point():
    run = subprocess.run([sys.executable, "-m", "timeparse", "3h", "--to", "verbose"], capture_output=True, text=True)
    assert (run.returncode, run.stdout) == (0, "3 hours\n")
