# Programs this check runs for the agent must not read it (expected answers are here): the process
# is made non-dumpable and its stdin (this file) is replaced; it also gives up (failing) well before
# the verifier's timeout, whatever those programs do.
import ctypes, os, signal
ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 0
os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
signal.alarm(40)
import tarfile
from pathlib import Path
want = {"logs/app.log", "logs/2024/jan/web.log", "logs/2024/feb/web.log", "logs/archive/old.log"}
if not Path("logs.tar.gz").is_file():  # a FIFO would block the open
    raise SystemExit(1)
try:
    with tarfile.open("logs.tar.gz", "r:gz") as t:
        members = {m.name.lstrip("./"): m for m in t.getmembers()}
        files = {n for n, m in members.items() if m.isfile()}
        ok = files == want and all(t.extractfile(members[n]).read() == f"entry for {n}\n".encode() for n in want)
except Exception:
    raise SystemExit(1)
ok = ok and Path("logs/README.md").is_file() and Path("logs/app.log").is_file()
raise SystemExit(0 if ok else 1)
