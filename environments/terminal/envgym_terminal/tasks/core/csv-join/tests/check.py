# Programs this check runs for the agent must not read it (expected answers are here): the process
# is made non-dumpable and its stdin (this file) is replaced; it also gives up (failing) well before
# the verifier's timeout, whatever those programs do.
import ctypes, os, signal
ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 0
os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
signal.alarm(40)
from pathlib import Path
p = Path("big_budget_staff.csv")
raise SystemExit(0 if p.is_file() and p.read_text().strip().splitlines() == ['name,department', 'emp000,Legal', 'emp001,Research', 'emp002,Legal', 'emp003,Engineering', 'emp004,Research', 'emp006,Engineering', 'emp009,Research', 'emp011,Legal', 'emp017,Legal', 'emp020,Research', 'emp025,Research', 'emp026,Research', 'emp028,Legal', 'emp029,Engineering', 'emp030,Research', 'emp033,Research', 'emp034,Engineering', 'emp038,Research', 'emp039,Legal', 'emp042,Research', 'emp043,Engineering', 'emp045,Legal', 'emp047,Research', 'emp048,Engineering', 'emp049,Engineering', 'emp050,Engineering', 'emp051,Research', 'emp052,Engineering', 'emp053,Legal', 'emp054,Engineering', 'emp055,Legal', 'emp056,Engineering'] else 1)
