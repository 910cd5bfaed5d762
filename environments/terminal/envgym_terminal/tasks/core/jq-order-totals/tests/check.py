# Programs this check runs for the agent must not read it (expected answers are here): the process
# is made non-dumpable and its stdin (this file) is replaced; it also gives up (failing) well before
# the verifier's timeout, whatever those programs do.
import ctypes, os, signal
ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 0
os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
signal.alarm(40)
import json, math
from pathlib import Path
want = {'umbrella': 2123.5, 'acme': 745.75, 'initech': 952.5, 'globex': 2413.75, 'hooli': 1400.5}
try:
    if not Path("totals.json").is_file():  # a FIFO would block the read
        raise SystemExit(1)
    got = json.loads(Path("totals.json").read_text())
except Exception:
    raise SystemExit(1)
ok = isinstance(got, dict) and set(got) == set(want) and all(isinstance(got[k], (int, float)) and math.isclose(got[k], v, abs_tol=1e-6) for k, v in want.items())
raise SystemExit(0 if ok else 1)
