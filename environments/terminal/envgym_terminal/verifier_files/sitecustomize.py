# envgym verifier (docs/integrity.md): loaded by every Python a check starts through PYTHONPATH.
# `python -m pytest` and `python -c ...` put the working directory - the agent's - first on
# sys.path, so a pytest.py (or json.py, ...) planted there would replace the check's own tools.
# Here such runs resolve top-level modules from everywhere else first and the working directory
# last; the test harness's own modules never come from it. Scripts keep their own directory first.
import os
import sys


def _install():
    argv = getattr(sys, "orig_argv", None) or []
    if not any(a in ("-m", "-c") or a.startswith("-m") for a in argv[1:]):
        return
    from importlib.machinery import PathFinder

    harness = {"pytest", "_pytest", "pluggy", "py", "unittest", "iniconfig", "pytest_jsonctrf", "pytest_json_ctrf"}

    class WorkingDirectoryLast:
        @staticmethod
        def find_spec(name, path=None, target=None):
            if path is not None:
                return None
            try:
                here = os.getcwd()
            except OSError:
                here = None
            elsewhere = [p for p in sys.path if p not in ("", ".", here)]
            spec = PathFinder.find_spec(name, elsewhere, target)
            if spec is None and name.split(".")[0] in harness:
                raise ModuleNotFoundError(
                    "No module named %r (envgym: not taken from the working directory)" % name, name=name
                )
            return spec

    sys.meta_path.insert(0, WorkingDirectoryLast)


def _chain():
    # Python imports only the first sitecustomize on sys.path: run the one this file shadows.
    here = os.path.dirname(os.path.abspath(__file__))
    for entry in sys.path:
        if os.path.abspath(entry or ".") == here:
            continue
        candidate = os.path.join(entry, "sitecustomize.py")
        if os.path.isfile(candidate):
            with open(candidate) as fh:
                exec(compile(fh.read(), candidate, "exec"), {"__name__": "sitecustomize", "__file__": candidate})
            return


try:
    _install()
finally:
    _chain()
