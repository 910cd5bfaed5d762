import io

from unitconv import REGISTRY, format_quantity, humanize
from unitconv.cli import main


def run(*argv):
    out = io.StringIO()
    return main(list(argv), out=out), out.getvalue().splitlines()


def test_formatting():
    assert format_quantity(1.50, "kilometers") == "1.5 km"
    assert format_quantity(2 / 3, "h", precision=2) == "0.67 h"
    assert format_quantity(-0.00001, "m") == "0 m"


def test_humanize():
    assert humanize(1500, "m") == (1.5, "km")
    assert humanize(0.25, "kg") == (250.0, "g")
    assert humanize(90, "min") == (1.5, "h")
    assert humanize(5280, "ft") == (5280, "ft")


def test_cli_conversions():
    assert run("3.5", "km", "m") == (0, ["3500 m"])
    assert run("1 mile to km", "--precision", "2") == (0, ["1.61 km"])
    assert run("-2", "h", "min") == (0, ["-120 min"])
    assert run("3000000", "B", "kB", "--human") == (0, ["3 MB"])


def test_cli_errors():
    assert run("1", "kg", "m")[0] == 2
    assert run("1", "parsec", "m")[0] == 2
    assert run("x", "m", "km")[0] == 2
    assert run("1", "m")[0] == 2


def test_cli_list():
    code, lines = run("--list", "speed")
    assert code == 0 and lines[0] == "speed:" and len(lines) == 1 + len(REGISTRY.units_of("speed"))
    assert "  kn    knot, knots" in lines
    assert run("--list")[1].count("length:") == 1
