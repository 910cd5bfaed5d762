# Programs this check runs for the agent must not read it (expected answers are here): the process
# is made non-dumpable and its stdin (this file) is replaced; it also gives up (failing) well before
# the verifier's timeout, whatever those programs do.
import ctypes, os, signal
ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 0
os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
signal.alarm(40)
from pathlib import Path
want = {"pdf/report.PDF", "txt/notes.txt", "jpg/photo 1.jpg", "jpg/photo 2.JPG", "gz/data.tar.gz", "other/Makefile",
        "other/todo", "sh/script.sh", "csv/table.csv", "txt/old notes.TXT"}
root = Path("sorted")
got = {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} if root.is_dir() else set()
ok = got == want and all((root / w).read_text() == f"content of {w.split('/', 1)[1]}\n" for w in want)
ok = ok and Path("inbox").is_dir() and not any(Path("inbox").iterdir())
raise SystemExit(0 if ok else 1)
