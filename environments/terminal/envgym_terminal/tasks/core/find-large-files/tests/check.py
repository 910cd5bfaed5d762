# Programs this check runs for the agent must not read it (expected answers are here): the process
# is made non-dumpable and its stdin (this file) is replaced; it also gives up (failing) well before
# the verifier's timeout, whatever those programs do.
import ctypes, os, signal
ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 0
os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
signal.alarm(40)
from pathlib import Path
p = Path("large_files.txt")
want = ["data/a/b/big.bin", "data/with space/mid file.log", "data/c/just_over.dat"]
got = [l.strip() for l in p.read_text().splitlines() if l.strip()] if p.is_file() else []
ok = got == want and Path("data/a/b/big.bin").stat().st_size == 3000000 and Path("data/link_to_big").is_symlink()
raise SystemExit(0 if ok else 1)
