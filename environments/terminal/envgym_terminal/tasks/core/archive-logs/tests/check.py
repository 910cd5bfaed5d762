import tarfile
from pathlib import Path
want = {"logs/app.log", "logs/2024/jan/web.log", "logs/2024/feb/web.log", "logs/archive/old.log"}
try:
    with tarfile.open("logs.tar.gz", "r:gz") as t:
        members = {m.name.lstrip("./"): m for m in t.getmembers()}
        files = {n for n, m in members.items() if m.isfile()}
        ok = files == want and all(t.extractfile(members[n]).read() == f"entry for {n}\n".encode() for n in want)
except Exception:
    raise SystemExit(1)
ok = ok and Path("logs/README.md").is_file() and Path("logs/app.log").is_file()
raise SystemExit(0 if ok else 1)
