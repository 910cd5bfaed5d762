# Programs this check runs for the agent must not read it (expected answers are here): the process
# is made non-dumpable and its stdin (this file) is replaced; it also gives up (failing) well before
# the verifier's timeout, whatever those programs do.
import ctypes, os, signal
ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 0
os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
signal.alarm(40)
from pathlib import Path
p = Path("top_ips.txt")
got = [" ".join(l.split()) for l in p.read_text().strip().splitlines()] if p.is_file() else []
raise SystemExit(0 if got == ['336 10.0.2.39', '288 10.0.3.33', '246 10.0.0.24'] else 1)
