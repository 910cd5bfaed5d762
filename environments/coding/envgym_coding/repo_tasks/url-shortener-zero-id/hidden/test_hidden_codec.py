def test_zero(project):
    assert project.run("from shorty import encode, decode\nresult = [encode(0), decode(encode(0))]") == ["0", 0]


def test_round_trip_many(project):
    assert project.run("from shorty import encode, decode\nresult = all(decode(encode(n)) == n for n in range(0, 200000, 7))") is True


def test_decode_rejects(project):
    for code in ["", "ab-c", "é"]:
        err = project.error("from shorty import decode\ndecode(code)", code=code)
        assert err is not None and "ValueError" in err.mro, code


def test_first_link(project):
    got = project.run("""
from shorty import Shortener, UnknownLink
s = Shortener()
first = s.shorten("https://example.com/")
url = s.resolve(first)
try:
    s.resolve("https://sho.rt/!!")
    bad = "no error"
except UnknownLink:
    bad = "unknown"
result = [first, url, s.stats(), bad]
""")
    assert got == ["https://sho.rt/0", "https://example.com/", {"0": 1}, "unknown"]
