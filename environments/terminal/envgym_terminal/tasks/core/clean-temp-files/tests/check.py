# Programs this check runs for the agent must not read it (expected answers are here): the process
# is made non-dumpable and its stdin (this file) is replaced; it also gives up (failing) well before
# the verifier's timeout, whatever those programs do.
import ctypes, os, signal
ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 0
os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
signal.alarm(40)
from pathlib import Path
root = Path("project")
files = {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
dirs = {str(p.relative_to(root)) for p in root.rglob("*") if p.is_dir()}
ok = files == {"cache.tmp.keep", "src/main.c", "build/obj/main.o", "docs/tmp.txt", "src/.cache/index"}
ok = ok and dirs == {"src", "src/.cache", "build", "build/obj", "docs", "docs/old drafts"}
raise SystemExit(0 if ok else 1)
