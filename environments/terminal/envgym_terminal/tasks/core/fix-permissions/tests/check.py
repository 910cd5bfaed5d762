# Programs this check runs for the agent must not read it (expected answers are here): the process
# is made non-dumpable and its stdin (this file) is replaced; it also gives up (failing) well before
# the verifier's timeout, whatever those programs do.
import ctypes, os, signal
ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 0
os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
signal.alarm(40)
import os, stat
def mode(p): return stat.S_IMODE(os.stat(p).st_mode)
ok = all(mode(f"bin/{f}") & stat.S_IXUSR for f in ("deploy.sh", "backup.sh", "report"))
ok = ok and mode("bin/backup.sh") & 0o077 == 0o040 and mode("bin/deploy.sh") & 0o066 == 0o044
ok = ok and mode("secrets") == 0o700 and all(mode(f"secrets/{f}") == 0o600 for f in ("api.env", "id_ed25519"))
ok = ok and all(os.path.isfile(f"secrets/{f}") for f in ("api.env", "id_ed25519"))  # not a FIFO to block on
ok = ok and mode("docs/readme.txt") == 0o644 and open("secrets/api.env").read() == "token=abc\n"
raise SystemExit(0 if ok else 1)
