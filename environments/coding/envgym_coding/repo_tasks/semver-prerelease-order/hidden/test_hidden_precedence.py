def test_spec_example_order(project):
    order = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11",
             "1.0.0-rc.1", "1.0.0"]
    import random
    shuffled = order[:]
    random.Random(7).shuffle(shuffled)
    assert project.call("semverlib:sort_versions", shuffled) == order
    assert project.call("semverlib:sort_versions", shuffled, reverse=True) == order[::-1]


def test_prerelease_below_release(project):
    got = project.run("from semverlib import Version as V\nresult = [V.parse('1.0.0-alpha') < V.parse('1.0.0'), V.parse('1.0.0') > V.parse('1.0.0-rc.9'), V.parse('2.0.0-alpha') > V.parse('1.9.9')]")
    assert got == [True, True, True]


def test_identifier_rules(project):
    pairs = [("1.0.0-rc.2", "1.0.0-rc.10"), ("1.0.0-2", "1.0.0-10"), ("1.0.0-1", "1.0.0-a"),
             ("1.0.0-alpha.99", "1.0.0-alpha.beta"), ("1.0.0-alpha", "1.0.0-alpha.0"), ("1.0.0-Z", "1.0.0-a"),
             ("1.0.0-rc.1.5", "1.0.0-rc.1.5.0"), ("0.9.9", "1.0.0-0")]
    got = project.run("from semverlib import compare\nresult = [[compare(a, b), compare(b, a), compare(a, a)] for a, b in pairs]",
                      pairs=pairs)
    assert got == [[-1, 1, 0]] * len(pairs)


def test_latest_and_ranges(project):
    got = project.run("""
from semverlib import latest, satisfies
result = [latest(["1.0.0-rc.1", "1.0.0", "0.9.0"], include_prereleases=True),
          satisfies("2.0.0-alpha", "<2.0.0"), satisfies("1.5.0-beta", ">=1.5.0")]
""")
    assert got == ["1.0.0", True, False]


def test_ranges_with_prereleases(project):
    got = project.run("""
from semverlib import max_satisfying, satisfies
result = [max_satisfying(["1.2.0", "1.3.0", "1.3.0-rc.1"], "^1.2", include_prereleases=True),
          max_satisfying(["1.3.0-rc.2", "1.3.0-rc.10", "1.2.0"], ">=1.2.0", include_prereleases=True),
          satisfies("1.3.0-rc.10", ">1.3.0-rc.9"), satisfies("1.3.0-rc.2", "<1.3.0"),
          satisfies("1.3.0-rc.2", ">=1.3.0-rc.1 <1.3.0"), satisfies("1.3.0", "<=1.3.0-rc.5")]
""")
    assert got == ["1.3.0", "1.3.0-rc.10", True, True, True, False]


def test_range_upper_bounds(project):
    got = project.run("""
from semverlib import max_satisfying, satisfies
result = [satisfies("2.0.0", "^1.2.3"), satisfies("2.0.0-rc.1", "^1.2.3"), satisfies("1.3.0", "~1.2.3"),
          satisfies("2.0.0", "1.x"), satisfies("0.3.0", "^0.2.3"), satisfies("1.9.9", "^1.2.3"),
          max_satisfying(["1.2.0", "1.10.0", "2.0.0"], "^1.2")]
""")
    assert got == [False, False, False, False, False, True, "1.10.0"]


def test_release_tags(project):
    got = project.run("""
from semverlib import latest_tag
tags = ["v1.0.0-rc.1", "v1.0.0", "v1.0.0-rc.2", "v0.9.0", "docs"]
result = [latest_tag(tags, include_prereleases=True),
          latest_tag(["v1.1.0-rc.2", "v1.1.0-rc.10", "v1.0.0"], include_prereleases=True),
          latest_tag(["v1.1.0-beta", "v1.1.0-alpha.7"], include_prereleases=True)]
""")
    assert got == ["v1.0.0", "v1.1.0-rc.10", "v1.1.0-beta"]


def test_prerelease_bumps_move_forward(project):
    got = project.run("""
from semverlib import Version
rc9 = Version.parse("1.0.0-rc.9")
rc10 = rc9.bump("prerelease")
result = [str(rc10), rc9 < rc10, rc10 < rc10.finalize(), Version.parse("1.2.3").bump("minor", "rc") > Version.parse("1.2.3")]
""")
    assert got == ["1.0.0-rc.10", True, True, True]


def test_cli(project):
    got = project.run("""
import io
from semverlib.cli import main
out, cmp_out, pick = io.StringIO(), io.StringIO(), io.StringIO()
codes = [main(["sort", "1.0.0", "1.0.0-rc.10", "1.0.0-rc.2"], stdout=out),
         main(["compare", "1.0.0-rc.1", "1.0.0"], stdout=cmp_out),
         main(["latest", "--pre", "2.0.0-beta", "2.0.0", "2.0.0-alpha"], stdout=pick),
         main(["satisfies", "2.0.0-beta", "<2.0.0"], stdout=io.StringIO())]
result = [codes, out.getvalue(), cmp_out.getvalue(), pick.getvalue()]
""")
    assert got == [[0, 0, 0, 0], "1.0.0-rc.2\n1.0.0-rc.10\n1.0.0\n", "-1\n", "2.0.0\n"]


def test_build_metadata_ignored(project):
    got = project.run("from semverlib import Version as V\na, b = V.parse('1.0.0+1'), V.parse('1.0.0+2')\nresult = [a == b, a < b, b < a, V.parse('1.0.0-rc.1+x') < V.parse('1.0.0')]")
    assert got == [True, False, False, True]
