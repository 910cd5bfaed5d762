import pytest

from semverlib import InvalidVersion, Version, latest, satisfies


def test_parse_and_str():
    v = Version.parse("v1.2.3-rc.1+build.5")
    assert (v.major, v.minor, v.patch) == (1, 2, 3)
    assert str(v) == "1.2.3-rc.1+build.5"


def test_release_order():
    assert Version.parse("1.2.3") < Version.parse("1.10.0")


def test_ranges():
    assert satisfies("1.4.0", ">=1.2.0 <2.0.0")
    assert not satisfies("2.0.0", ">=1.2.0 <2.0.0")
    assert latest(["1.0.0", "1.2.0", "0.9.9"]) == "1.2.0"


def test_invalid():
    with pytest.raises(InvalidVersion):
        Version.parse("1.2")
