import os, stat
def mode(p): return stat.S_IMODE(os.stat(p).st_mode)
ok = all(mode(f"bin/{f}") & stat.S_IXUSR for f in ("deploy.sh", "backup.sh", "report"))
ok = ok and mode("bin/backup.sh") & 0o077 == 0o040 and mode("bin/deploy.sh") & 0o066 == 0o044
ok = ok and mode("secrets") == 0o700 and all(mode(f"secrets/{f}") == 0o600 for f in ("api.env", "id_ed25519"))
ok = ok and mode("docs/readme.txt") == 0o644 and open("secrets/api.env").read() == "token=abc\n"
raise SystemExit(0 if ok else 1)
