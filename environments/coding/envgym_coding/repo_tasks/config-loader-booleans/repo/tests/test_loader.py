import pytest

from confload import ConfigError, Option, load

SCHEMA = [Option("server", "host"), Option("server", "port", int, 80), Option("server", "debug", bool, False),
          Option("features", "enabled", list, [])]


def test_reads_file():
    cfg = load(open("example.ini").read(), SCHEMA, environ={})
    assert cfg["server"] == {"host": "0.0.0.0", "port": 8080, "debug": True}
    assert cfg["features"]["enabled"] == ["search", "export"]


def test_env_overrides_port():
    cfg = load("[server]\nport = 1\n", SCHEMA, environ={"APP_SERVER__PORT": "9000"})
    assert cfg["server"]["port"] == 9000


def test_bad_int():
    with pytest.raises(ConfigError):
        load("[server]\nport = eighty\n", SCHEMA, environ={})
