SETUP = """
from confload import ConfigError, Option, load
S = [Option("server", "debug", bool, False), Option("server", "port", int, 80)]
"""


def test_false_spellings(project):
    got = project.run(SETUP + """
result = [load("[server]\\ndebug = true\\n", S, environ={"APP_SERVER__DEBUG": v})["server"]["debug"]
          for v in ["false", "0", "no", "off", "FALSE", "Off"]]
""")
    assert got == [False] * 6


def test_true_spellings_in_file(project):
    got = project.run(SETUP + """
result = [load("[server]\\ndebug = %s\\n" % v, S, environ={})["server"]["debug"] for v in ["true", "1", "yes", "ON"]]
""")
    assert got == [True] * 4


def test_invalid_boolean_names_option(project):
    err = project.error(SETUP + "load('[server]\\ndebug = maybe\\n', S, environ={})")
    assert err is not None and "ConfigError" in err.mro and "server.debug" in err.message


def test_defaults_and_ints_unchanged(project):
    got = project.run(SETUP + "result = load('[server]\\n', S, environ={'APP_SERVER__PORT': '81'})")
    assert got == {"server": {"debug": False, "port": 81}}
