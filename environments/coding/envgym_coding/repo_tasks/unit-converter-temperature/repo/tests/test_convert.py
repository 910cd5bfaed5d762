import pytest

from unitconv import IncompatibleUnits, UnknownUnit, convert, parse_quantity


def test_length_and_mass():
    assert convert(3, "km", "m") == 3000
    assert round(convert(1, "mile", "km"), 6) == 1.609344
    assert round(convert(2, "lb", "g"), 3) == 907.185


def test_parse():
    assert parse_quantity("3.5 km") == (3.5, "km")


def test_errors():
    with pytest.raises(IncompatibleUnits):
        convert(1, "kg", "m")
    with pytest.raises(UnknownUnit):
        convert(1, "parsec", "m")
