import pytest

from unitconv import IncompatibleUnits, UnknownUnit, convert, convert_text, parse_conversion, parse_quantity


def test_length_and_mass():
    assert convert(3, "km", "m") == 3000
    assert round(convert(1, "mile", "km"), 6) == 1.609344
    assert round(convert(2, "lb", "g"), 3) == 907.185
    assert round(convert(1, "st", "lb"), 6) == 14


def test_other_dimensions():
    assert round(convert(100, "km/h", "m/s"), 6) == 27.777778
    assert convert(1, "GiB", "MiB") == 1024
    assert round(convert(1, "gal", "l"), 6) == 3.785412
    assert convert(2, "wk", "d") == 14


def test_aliases_and_case():
    assert convert(2, "Kilometers", "METERS") == 2000
    with pytest.raises(UnknownUnit):
        convert(1, "KM", "m")  # symbols are case-sensitive; only aliases are not


def test_parse():
    assert parse_quantity("3.5 km") == (3.5, "km")
    assert parse_quantity("-2e3 grams") == (-2000.0, "g")
    assert parse_quantity("10m/s") == (10.0, "m/s")
    assert parse_conversion("1.5 hours to min") == (1.5, "h", "min")
    assert convert_text("90 min in h") == (1.5, "h")
    with pytest.raises(ValueError):
        parse_quantity("km 3")


def test_errors():
    with pytest.raises(IncompatibleUnits):
        convert(1, "kg", "m")
    with pytest.raises(UnknownUnit):
        convert(1, "parsec", "m")
