#!/bin/bash
python3 - <<'PY'
import json
try:
    data = json.load(open("/app/config.json"))
    fmt = 1.0
except (OSError, ValueError):
    data, fmt = {}, 0.0
ok = 1.0 if data == {"mode": "fast"} else 0.0
json.dump({"reward": ok, "format": fmt}, open("/logs/verifier/reward.json", "w"))
PY
