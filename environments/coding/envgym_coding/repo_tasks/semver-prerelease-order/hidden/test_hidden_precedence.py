def test_spec_example_order(project):
    order = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11",
             "1.0.0-rc.1", "1.0.0"]
    import random
    shuffled = order[:]
    random.Random(7).shuffle(shuffled)
    assert project.call("semverlib:sort_versions", shuffled) == order


def test_prerelease_below_release(project):
    got = project.run("from semverlib import Version as V\nresult = [V.parse('1.0.0-alpha') < V.parse('1.0.0'), V.parse('1.0.0') > V.parse('1.0.0-rc.9'), V.parse('2.0.0-alpha') > V.parse('1.9.9')]")
    assert got == [True, True, True]


def test_latest_and_ranges(project):
    got = project.run("""
from semverlib import latest, satisfies
result = [latest(["1.0.0-rc.1", "1.0.0", "0.9.0"], include_prereleases=True),
          satisfies("2.0.0-alpha", "<2.0.0"), satisfies("1.5.0-beta", ">=1.5.0")]
""")
    assert got == ["1.0.0", True, False]


def test_build_metadata_ignored(project):
    got = project.run("from semverlib import Version as V\na, b = V.parse('1.0.0+1'), V.parse('1.0.0+2')\nresult = [a == b, a < b, b < a]")
    assert got == [True, False, False]
