SETUP = """
from confload import ConfigError, Option, load
S = [Option("server", "debug", bool, False), Option("server", "port", int, 80)]
"""


def test_false_spellings(project):
    got = project.run(SETUP + """
result = [load("[server]\\ndebug = true\\n", S, environ={"APP_SERVER__DEBUG": v})["server"]["debug"]
          for v in ["false", "0", "no", "off", "FALSE", "Off", " no "]]
""")
    assert got == [False] * 7


def test_true_spellings_in_file(project):
    got = project.run(SETUP + """
result = [load("[server]\\ndebug = %s\\n" % v, S, environ={})["server"]["debug"] for v in ["true", "1", "yes", "ON", "True"]]
""")
    assert got == [True] * 5


def test_false_in_file(project):
    got = project.run(SETUP + """
result = [load("[server]\\ndebug = %s\\n" % v, S, environ={})["server"]["debug"] for v in ["false", "0", "No", "OFF"]]
""")
    assert got == [False] * 4


def test_invalid_boolean_names_option(project):
    err = project.error(SETUP + "load('[server]\\ndebug = maybe\\n', S, environ={})")
    assert err is not None and "ConfigError" in err.mro and "server.debug" in err.message
    err = project.error(SETUP + "load('', S, environ={'APP_SERVER__DEBUG': 'disabled'})")
    assert err is not None and "ConfigError" in err.mro and "server.debug" in err.message
    for word in ["2", "yess", "t"]:
        err = project.error(SETUP + "load('[server]\\ndebug = %s\\n' % w, S, environ={})", w=word)
        assert err is not None and "ConfigError" in err.mro, word


def test_layered_files_turn_debug_off(project):
    got = project.run(SETUP + """
open("/tmp/base.ini", "w").write("[server]\\ndebug = on\\nport = 81\\n")
open("/tmp/local.ini", "w").write("[server]\\ndebug = off\\n")
from confload import load_files
result = load_files(["/tmp/base.ini", "/tmp/local.ini"], S, environ={})
""")
    assert got == {"server": {"debug": False, "port": 81}}


def test_dumps_round_trip_keeps_false(project):
    got = project.run(SETUP + """
from confload import dumps
cfg = {"server": {"debug": False, "port": 8080}}
result = load(dumps(cfg, S), S, environ={})
""")
    assert got == {"server": {"debug": False, "port": 8080}}


def test_defaults_and_ints_unchanged(project):
    got = project.run(SETUP + "result = load('[server]\\n', S, environ={'APP_SERVER__PORT': '81'})")
    assert got == {"server": {"debug": False, "port": 81}}
