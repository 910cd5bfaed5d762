# Programs this check runs for the agent must not read it (expected answers are here): the process
# is made non-dumpable and its stdin (this file) is replaced; it also gives up (failing) well before
# the verifier's timeout, whatever those programs do.
import ctypes, os, signal
ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 0
os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
signal.alarm(40)
import os
ok = os.path.islink("current") and os.readlink("current").rstrip("/") == "releases/v1.10.12"
ok = ok and os.path.isfile("current/VERSION") and open("current/VERSION").read().strip() == "v1.10.12"
ok = ok and len(os.listdir("releases")) == 8
raise SystemExit(0 if ok else 1)
