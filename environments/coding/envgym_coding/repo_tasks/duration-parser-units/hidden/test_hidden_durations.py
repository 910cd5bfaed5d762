def test_combined_units(project):
    got = project.run("from timeparse import parse_duration\nresult = [parse_duration(t) for t in ['1h30m', '2m', '1w1d', '2d 4h 5m 6s', '1.5h', '250ms']]")
    assert got == [5400.0, 120.0, 691200.0, 187506.0, 5400.0, 0.25]


def test_round_trip(project):
    got = project.run("""
from timeparse import format_duration, parse_duration
result = [parse_duration(format_duration(s)) for s in (59, 61, 3600, 3725, 90061, 700000)]
""")
    assert got == [59.0, 61.0, 3600.0, 3725.0, 90061.0, 700000.0]


def test_errors_still_raised(project):
    err = project.error("from timeparse import parse_duration\nparse_duration('5 parsecs')")
    assert err is not None and "DurationError" in err.mro and "ValueError" in err.mro
    assert project.error("from timeparse import parse_duration\nparse_duration('')") is not None


def test_cli(project):
    got = project.run("""
import io, contextlib
from timeparse.__main__ import main
buf = io.StringIO()
with contextlib.redirect_stdout(buf):
    code = main(['1m', '10s'])
result = [code, buf.getvalue().split()]
""")
    assert got == [0, ["60.0", "10.0"]]
