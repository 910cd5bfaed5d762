# Programs this check runs for the agent must not read it (expected answers are here): the process
# is made non-dumpable and its stdin (this file) is replaced; it also gives up (failing) well before
# the verifier's timeout, whatever those programs do.
import ctypes, os, signal
ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 0
os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
signal.alarm(40)
from pathlib import Path
ok = Path("restored/settings.yaml").read_text() == "db: postgres\nport: 5432\nfeature_flags:\n  - beta\n" if Path("restored/settings.yaml").is_file() else False
ok = ok and not Path("app").exists() and not Path("restored/dev.yaml").exists()
ok = ok and {p.name for p in Path("restored").rglob("*") if p.is_file()} == {"settings.yaml"}
raise SystemExit(0 if ok else 1)
