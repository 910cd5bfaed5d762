import io

import pytest

from semverlib import (InvalidRange, InvalidVersion, Version, bump_kind, compare, latest, latest_tag, max_satisfying,
                       next_version, satisfies, sort_versions, versions_from_tags)
from semverlib.cli import main


def test_parse_and_str():
    v = Version.parse("v1.2.3-rc.1+build.5")
    assert (v.major, v.minor, v.patch) == (1, 2, 3)
    assert v.prerelease == ("rc", "1") and v.build == ("build", "5")
    assert str(v) == "1.2.3-rc.1+build.5"


def test_invalid():
    for bad in ("1.2", "1.2.3.4", "01.2.3", "1.2.3-", "1.2.3-01", "1.2.3+", "latest"):
        with pytest.raises(InvalidVersion):
            Version.parse(bad)


def test_coerce():
    assert str(Version.coerce("v1.2")) == "1.2.0" and str(Version.coerce("=2")) == "2.0.0"
    assert str(Version.coerce("1.2.3-beta")) == "1.2.3-beta"


def test_release_order():
    assert Version.parse("1.2.3") < Version.parse("1.10.0")
    assert sort_versions(["1.10.0", "1.2.3", "0.9.0"]) == ["0.9.0", "1.2.3", "1.10.0"]
    assert compare("2.0.0", "1.99.99") == 1 and compare("1.0.0", "v1.0.0") == 0


def test_ranges():
    assert satisfies("1.4.0", ">=1.2.0 <2.0.0")
    assert not satisfies("2.0.0", ">=1.2.0 <2.0.0")
    assert latest(["1.0.0", "1.2.0", "0.9.9"]) == "1.2.0"


@pytest.mark.parametrize("spec, inside, outside", [
    ("^1.2.3", ["1.2.3", "1.9.9"], ["1.2.2", "2.1.0"]),
    ("^0.2.3", ["0.2.3", "0.2.9"], ["0.3.1"]),
    ("~1.2.3", ["1.2.9"], ["1.4.0", "1.2.2"]),
    ("1.x", ["1.0.0", "1.9.0"], ["0.9.9", "2.0.1"]),
    ("<1.0.0 || >= 3.0.0", ["0.5.0", "3.1.0"], ["2.0.0"]),
])
def test_range_forms(spec, inside, outside):
    assert all(satisfies(v, spec) for v in inside) and not any(satisfies(v, spec) for v in outside)


def test_bad_ranges():
    for bad in ("", ">=1.2", "^x.y", "1.2.3 ||"):
        with pytest.raises(InvalidRange):
            satisfies("1.0.0", bad)


def test_max_satisfying():
    assert max_satisfying(["1.2.0", "1.4.1", "2.1.0", "1.10.0"], "^1.2") == "1.10.0"
    assert max_satisfying(["3.0.0"], "^1.2") is None


def test_bump():
    v = Version.parse("1.2.3")
    assert [str(v.bump(p)) for p in ("major", "minor", "patch")] == ["2.0.0", "1.3.0", "1.2.4"]
    assert str(v.bump("minor", "rc")) == "1.3.0-rc.1"
    assert str(Version.parse("1.3.0-rc.1").bump("minor")) == "1.3.0"
    with pytest.raises(ValueError):
        v.bump("micro")


def test_tags_and_commits():
    tags = ["v0.9.0", "v1.0.0", "nightly", "v1.1.0", "release-3.0.0", "v1.0.x"]
    assert sorted(versions_from_tags(tags)) == ["v0.9.0", "v1.0.0", "v1.1.0"]
    assert latest_tag(tags) == "v1.1.0" and latest_tag(tags, prefix="release-") == "release-3.0.0"
    assert bump_kind(["docs: typo", "fix(io): close files"]) == "patch"
    assert bump_kind(["feat!: new API"]) == "major" and bump_kind(["chore: deps"]) is None
    assert str(next_version("1.4.2", ["feat: export", "fix: crash"])) == "1.5.0"
    assert str(next_version("0.4.2", ["refactor: x\n\nBREAKING CHANGE: removed y"])) == "0.5.0"


def test_cli():
    out = io.StringIO()
    assert main(["sort", "1.10.0", "1.2.0", "-r"], stdout=out) == 0 and out.getvalue() == "1.10.0\n1.2.0\n"
    out = io.StringIO()
    assert main(["bump", "minor", "1.2.3", "--pre", "beta"], stdout=out) == 0 and out.getvalue() == "1.3.0-beta.1\n"
    assert main(["satisfies", "1.5.0", "^1.2"], stdout=io.StringIO()) == 0
    assert main(["satisfies", "2.5.0", "^1.2"], stdout=io.StringIO()) == 1
    assert main(["compare", "1.0", "1.0.0"], stdout=io.StringIO(), stderr=io.StringIO()) == 2
