# Programs this check runs for the agent must not read it (expected answers are here): the process
# is made non-dumpable and its stdin (this file) is replaced; it also gives up (failing) well before
# the verifier's timeout, whatever those programs do.
import ctypes, os, signal
ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 0
os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
signal.alarm(40)
from pathlib import Path
ok = Path("corrupt.txt").is_file() and Path("corrupt.txt").read_text().strip() == "batch3.zip"
ex = Path("extracted")
names = {p.name for p in ex.iterdir()} if ex.is_dir() else set()
want = {f"b{b}_item{i}.txt" for b in (1, 2, 4) for i in (1, 2, 3)} | {f"b{b}_payload.bin" for b in (1, 2, 4)}
ok = ok and names == want and all((ex / n).is_file() for n in want)  # no FIFO to block on
ok = ok and all((ex / f"b{b}_item{i}.txt").read_text() == f"batch {b} item {i}\n" for b in (1, 2, 4) for i in (1, 2, 3))
raise SystemExit(0 if ok else 1)
