# Programs this check runs for the agent must not read it (expected answers are here): the process
# is made non-dumpable and its stdin (this file) is replaced; it also gives up (failing) well before
# the verifier's timeout, whatever those programs do.
import ctypes, os, signal
ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 0
os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
signal.alarm(40)
from pathlib import Path
p = Path("clean_emails.txt")
raise SystemExit(0 if p.is_file() and p.read_text().splitlines() == ['ada42@example.com', 'ada74@corp.net', 'ada80@example.com', 'bob51@corp.net', 'bob51@example.com', 'bob64@corp.net', 'cleo29@example.com', 'cleo69@mail.org', 'cleo7@example.com', 'dmitri41@mail.org', 'dmitri69@example.com', 'dmitri72@example.com', 'eve38@mail.org', 'eve47@corp.net', 'eve75@mail.org', 'farah19@corp.net', 'farah47@mail.org', 'farah8@corp.net', 'gus16@corp.net', 'gus28@example.com', 'gus32@example.com', 'hana12@mail.org', 'hana40@corp.net', 'hana90@example.com', 'ivan11@corp.net', 'ivan54@example.com', 'ivan88@example.com', 'jo14@corp.net', 'jo31@example.com', 'jo39@corp.net', 'kim64@mail.org', 'kim71@mail.org', 'kim74@corp.net', 'lee25@mail.org', 'lee8@corp.net', 'lee94@mail.org', 'mo13@corp.net', 'mo16@example.com', 'mo37@corp.net', 'nia10@example.com', 'nia81@corp.net', 'nia92@example.com', 'otto66@mail.org', 'otto73@example.com', 'otto75@example.com'] else 1)
