import json
import sys

import pytest

from confload import ConfigError, Option, describe, dumps, env_name, load, load_files, unknown_variables
from confload.__main__ import main

SCHEMA = [Option("server", "host"), Option("server", "port", int, 80), Option("server", "debug", bool, False),
          Option("features", "enabled", list, [])]


def test_reads_file():
    cfg = load(open("example.ini").read(), SCHEMA, environ={})
    assert cfg["server"] == {"host": "0.0.0.0", "port": 8080, "debug": True}
    assert cfg["features"]["enabled"] == ["search", "export"]


def test_env_overrides_port():
    cfg = load("[server]\nport = 1\n", SCHEMA, environ={"APP_SERVER__PORT": "9000"})
    assert cfg["server"]["port"] == 9000
    cfg = load("", SCHEMA, environ={"MYAPP_SERVER__PORT": " 9_001 "}, prefix="MYAPP")
    assert cfg["server"]["port"] == 9001


def test_bad_int():
    with pytest.raises(ConfigError, match="server.port"):
        load("[server]\nport = eighty\n", SCHEMA, environ={})


def test_defaults_and_required():
    assert load("", SCHEMA, environ={})["features"] == {"enabled": []}
    with pytest.raises(ConfigError, match="db.url is required"):
        load("[db]\n", [Option("db", "url", required=True)], environ={})


def test_choices_and_floats():
    schema = [Option("log", "level", choices=("debug", "info")), Option("log", "sample", float, 1.0)]
    assert load("[log]\nlevel = info\nsample = 0.25\n", schema, environ={})["log"] == {"level": "info", "sample": 0.25}
    with pytest.raises(ConfigError, match="log.level"):
        load("[log]\nlevel = loud\n", schema, environ={})
    with pytest.raises(ConfigError, match="log.sample"):
        load("[log]\nsample = nan\n", schema, environ={})


def test_schema_checks():
    with pytest.raises(ConfigError):
        Option("server", "port", dict)
    with pytest.raises(ConfigError):
        Option("bad section", "x")
    with pytest.raises(ConfigError, match="declared twice"):
        load("", [Option("a", "b"), Option("A", "B")], environ={})


def test_strict_mode():
    with pytest.raises(ConfigError, match="server.colour"):
        load("[server]\ncolour = red\n", SCHEMA, environ={}, strict=True)
    assert "colour" not in load("[server]\ncolour = red\n", SCHEMA, environ={})["server"]


def test_syntax_error_is_config_error():
    with pytest.raises(ConfigError):
        load("port = 1\n", SCHEMA, environ={})


def test_layered_files(tmp_path):
    base, local = tmp_path / "base.ini", tmp_path / "local.ini"
    base.write_text("[server]\nhost = example.org\nport = 81\n")
    local.write_text("[server]\nport = 82\n")
    cfg = load_files([str(base), str(local), str(tmp_path / "absent.ini")], SCHEMA, environ={})
    assert cfg["server"] == {"host": "example.org", "port": 82, "debug": False}
    with pytest.raises(ConfigError, match="absent.ini"):
        load_files([str(tmp_path / "absent.ini")], SCHEMA, environ={}, missing_ok=False)


def test_environment_names():
    assert env_name(SCHEMA[1]) == "APP_SERVER__PORT"
    environ = {"APP_SERVER__PROT": "1", "APP_SERVER__PORT": "2", "APP_HOME": "/x", "PATH": "/bin"}
    assert unknown_variables(environ, SCHEMA) == ["APP_SERVER__PROT"]


def test_dumps_round_trip():
    cfg = load(open("example.ini").read(), SCHEMA, environ={})
    text = dumps(cfg, SCHEMA)
    assert "debug = true" in text and "enabled = search, export" in text
    assert load(text, SCHEMA, environ={}) == cfg


def test_describe_table():
    lines = describe(SCHEMA).splitlines()
    assert lines[0].split() == ["option", "type", "default", "environment", "help"]
    assert lines[2].split() == ["server.port", "int", "80", "APP_SERVER__PORT"]


def test_cli(tmp_path, capsys, monkeypatch):
    module = tmp_path / "app_settings.py"
    module.write_text("from confload import Option\nSCHEMA = [Option('server', 'port', int, 80)]\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("APP_SERVER__PORT", "8443")
    assert main(["example.ini", "--schema", "app_settings:SCHEMA"]) == 0
    assert json.loads(capsys.readouterr().out) == {"server": {"port": 8443}}
    assert main(["example.ini", "--schema", "app_settings"]) == 1
    assert "module:attribute" in capsys.readouterr().err
    sys.modules.pop("app_settings", None)
