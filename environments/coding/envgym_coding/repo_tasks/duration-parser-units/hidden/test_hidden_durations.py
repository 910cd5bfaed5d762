def test_combined_units(project):
    got = project.run("""
from timeparse import parse_duration
texts = ['1h30m', '2m', '1w1d', '2d 4h 5m 6s', '1.5h', '250ms', '90 minutes', '1 hour, 30 mins',
         '1 hour and 30 minutes', '2 MIN 5 SEC', '0.5m', '1m 1ms', '3 Minutes']
result = [parse_duration(t) for t in texts]
""")
    assert got == [5400.0, 120.0, 691200.0, 187506.0, 5400.0, 0.25, 5400.0, 5400.0, 5400.0, 125.0, 30.0, 60.001, 180.0]


def test_round_trip(project):
    got = project.run("""
from timeparse import format_duration, format_verbose, parse_duration
seconds = (59, 61, 3600, 3725, 90061, 700000, 60.25, 120)
result = [[parse_duration(format_duration(s)) for s in seconds],
          [parse_duration(format_verbose(s)) for s in seconds],
          [parse_duration(format_duration(s, largest="h")) for s in seconds]]
""")
    expected = [59.0, 61.0, 3600.0, 3725.0, 90061.0, 700000.0, 60.25, 120.0]
    assert got == [expected, expected, expected]


def test_errors_still_raised(project):
    err = project.error("from timeparse import parse_duration\nparse_duration('5 parsecs')")
    assert err is not None and "DurationError" in err.mro and "ValueError" in err.mro
    for text in ["", "1h30", "1m 2m", "m", "5 minutes ago"]:
        err = project.error("from timeparse import parse_duration\nparse_duration(t)", t=text)
        assert err is not None and "DurationError" in err.mro, text


def test_cli(project):
    got = project.run("""
import io, contextlib
from timeparse.__main__ import main
outputs = []
for argv in (['1m', '10s'], ['--to', 'compact', '90 minutes'], ['--sum', '1m', '1h'], ['--to', 'iso', '2h 15m']):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(argv)
    outputs.append([code, buf.getvalue().split()])
result = outputs
""")
    assert got == [[0, ["60.0", "10.0"]], [0, ["1h30m"]], [0, ["3660.0"]], [0, ["PT2H15M"]]]
