# Programs this check runs for the agent must not read it (expected answers are here): the process
# is made non-dumpable and its stdin (this file) is replaced; it also gives up (failing) well before
# the verifier's timeout, whatever those programs do.
import ctypes, os, signal
ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 0
os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
signal.alarm(40)
from pathlib import Path
want = {'src/app/users.py': "def fetch_user(uid):\n    return {'id': uid}\n\n\ndef get_users(ids):\n    return [fetch_user(i) for i in ids]\n", 'src/app/api.py': "from app.users import fetch_user\n\n\ndef handler(req):\n    # fetch_user is cheap\n    return fetch_user(req['id'])\n", 'src/app/cli.py': 'import app.users as u\n\nprint(u.fetch_user(1), u.get_users([2]))\n', 'src/vendor/lib.py': 'def get_user(x):\n    return x  # third-party code: leave as is\n', 'src/README.txt': 'call get_user(uid) to fetch a user\n'}
raise SystemExit(0 if all(Path(k).is_file() and Path(k).read_text() == v for k, v in want.items()) else 1)
