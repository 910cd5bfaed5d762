import os, subprocess, tempfile
def run(cmd, **kw):
    kw.setdefault("timeout", 20)
    return subprocess.run(cmd, capture_output=True, text=True, **kw)
run(["make", "clean"])
r = run(["make"], timeout=60)
ok = r.returncode == 0 and os.access("calc", os.X_OK)
ok = ok and run(["./calc", "2", "3"]).stdout.strip() == "hypot=3.606" and run(["./calc", "6", "8"]).stdout.strip() == "hypot=10.000"
ok = ok and run(["make", "clean"]).returncode == 0 and not os.path.exists("calc") and not any(f.endswith(".o") for f in os.listdir("."))
raise SystemExit(0 if ok else 1)
