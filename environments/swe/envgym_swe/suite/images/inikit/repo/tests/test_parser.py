import pytest

from inikit import ParseError, parse

SAMPLE = """
; a comment
[server]
host = example.org
port = 8080
debug = yes
tags = a, b, ,c

[paths]
root = /srv
logs = ${paths:root}/logs
"""


def test_sections_in_order():
    assert parse(SAMPLE).sections() == ["server", "paths"]


def test_get_and_types():
    cfg = parse(SAMPLE)
    assert cfg.get("server", "host") == "example.org"
    assert cfg.getint("server", "port") == 8080
    assert cfg.getbool("server", "debug") is True
    assert cfg.getlist("server", "tags") == ["a", "b", "c"]


def test_get_default():
    cfg = parse(SAMPLE)
    assert cfg.get("server", "missing", "fallback") == "fallback"
    assert cfg.getint("server", "missing", 3) == 3


def test_missing_key_raises():
    with pytest.raises(KeyError):
        parse(SAMPLE).get("server", "nope")


def test_interpolation():
    assert parse(SAMPLE).get("paths", "logs") == "/srv/logs"


def test_key_outside_section():
    with pytest.raises(ParseError) as err:
        parse("a = 1\n")
    assert err.value.line_no == 1


def test_as_dict():
    assert parse("[a]\nx = 1\n").as_dict() == {"a": {"x": "1"}}
