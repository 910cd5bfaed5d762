# Programs this check runs for the agent must not read it (expected answers are here): the process
# is made non-dumpable and its stdin (this file) is replaced; it also gives up (failing) well before
# the verifier's timeout, whatever those programs do.
import ctypes, os, signal
ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 0
os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
signal.alarm(40)
from pathlib import Path
p = Path("latency.csv")
raise SystemExit(0 if p.is_file() and p.read_text().strip().splitlines() == ['endpoint,requests,avg_ms', '/api/cart,218,1074.4', '/api/checkout,187,1020.6', '/api/login,190,1009.4', '/api/search,208,1053.3', '/health,202,21.9'] else 1)
