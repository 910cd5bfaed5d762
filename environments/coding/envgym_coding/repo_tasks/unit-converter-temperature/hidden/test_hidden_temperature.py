def test_known_points(project):
    got = project.run("from unitconv import convert\nresult = [round(convert(v, a, b), 6) for v, a, b in [(0, 'C', 'F'), (100, 'C', 'F'), (32, 'F', 'C'), (-40, 'F', 'C'), (0, 'C', 'K'), (300, 'K', 'C'), (212, 'fahrenheit', 'kelvin'), (20, 'celsius', 'celsius')]]")
    assert got == [32.0, 212.0, 0.0, -40.0, 273.15, 26.85, 373.15, 20.0]


def test_incompatible(project):
    err = project.error("from unitconv import convert\nconvert(1, 'C', 'm')")
    assert err is not None and "IncompatibleUnits" in err.mro


def test_absolute_zero(project):
    for code in ["convert(-300, 'C', 'K')", "convert(-1, 'K', 'C')", "convert(-500, 'F', 'C')"]:
        err = project.error("from unitconv import convert\n" + code)
        assert err is not None and "ValueError" in err.mro, code


def test_parse_and_old_units(project):
    got = project.run("from unitconv import convert, parse_quantity\nresult = [parse_quantity('25 C'), parse_quantity('-3.5 F'), convert(90, 'min', 'h'), convert(5, 'km', 'm')]")
    assert got == [(25.0, "C"), (-3.5, "F"), 1.5, 5000.0]
