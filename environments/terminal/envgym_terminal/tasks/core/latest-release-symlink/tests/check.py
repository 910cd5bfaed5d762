import os
ok = os.path.islink("current") and os.readlink("current").rstrip("/") == "releases/v1.10.12"
ok = ok and open("current/VERSION").read().strip() == "v1.10.12" and len(os.listdir("releases")) == 8
raise SystemExit(0 if ok else 1)
