def test_known_points(project):
    got = project.run("from unitconv import convert\nresult = [round(convert(v, a, b), 6) for v, a, b in [(0, 'C', 'F'), (100, 'C', 'F'), (32, 'F', 'C'), (-40, 'F', 'C'), (0, 'C', 'K'), (300, 'K', 'C'), (212, 'fahrenheit', 'kelvin'), (20, 'celsius', 'celsius'), (37, 'C', 'F'), (0, 'K', 'F')]]")
    assert got == [32.0, 212.0, 0.0, -40.0, 273.15, 26.85, 373.15, 20.0, 98.6, -459.67]


def test_aliases_any_case(project):
    got = project.run("from unitconv import convert\nresult = [round(convert(25, 'Celsius', 'FAHRENHEIT'), 6), round(convert(273.15, 'Kelvin', 'celsius'), 6)]")
    assert got == [77.0, 0.0]


def test_incompatible(project):
    for code in ["convert(1, 'C', 'm')", "convert(1, 'kg', 'K')", "convert(1, 'fahrenheit', 'h')"]:
        err = project.error("from unitconv import convert\n" + code)
        assert err is not None and "IncompatibleUnits" in err.mro, code


def test_absolute_zero(project):
    for code in ["convert(-300, 'C', 'K')", "convert(-1, 'K', 'C')", "convert(-500, 'F', 'C')", "convert(-273.16, 'celsius', 'F')"]:
        err = project.error("from unitconv import convert\n" + code)
        assert err is not None and "ValueError" in err.mro, code
    got = project.run("from unitconv import convert\nresult = [round(convert(0, 'K', 'C'), 6), round(convert(-273.15, 'C', 'K'), 6)]")
    assert got == [-273.15, 0.0]


def test_parse_and_requests(project):
    got = project.run("""
from unitconv import convert_text, parse_conversion, parse_quantity
value, unit = convert_text('98.6 F to C')
result = [parse_quantity('25 C'), parse_quantity('-3.5 F'), parse_quantity('300 kelvin'), parse_conversion('20 celsius in fahrenheit'), [round(value, 6), unit]]
""")
    assert got == [(25.0, "C"), (-3.5, "F"), (300.0, "K"), (20.0, "C", "F"), [37.0, "C"]]


def test_cli(project):
    got = project.run("""
import io
from unitconv.cli import main
def run(*argv):
    out = io.StringIO()
    return [main(list(argv), out=out), out.getvalue().strip()]
result = [run('100', 'C', 'F'), run('-40', 'F', 'C'), run('0 C to K', '--precision', '2'), run('5', 'C', 'kg')[0], run('-10', 'K', 'C')[0]]
""")
    assert got == [[0, "212 F"], [0, "-40 C"], [0, "273.15 K"], 2, 2]


def test_old_units(project):
    got = project.run("from unitconv import convert\nresult = [convert(90, 'min', 'h'), convert(5, 'km', 'm'), round(convert(1, 'mile', 'km'), 6), convert(-3, 'm', 'cm')]")
    assert got == [1.5, 5000.0, 1.609344, -300.0]
