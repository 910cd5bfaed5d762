from pathlib import Path
orig = Path("/tests/app.ini.orig").read_text()
want = orig.replace("port = 8080\nworkers", "port = 9090\nworkers", 1)
p = Path("app.ini")
raise SystemExit(0 if p.is_file() and p.read_text() == want else 1)
