#!/bin/bash
python3 - <<'PY'
import json
try:
    data = json.load(open("/app/config.json"))
except (OSError, ValueError):
    data = {}
json.dump({"reward": 1.0 if data == {"mode": "fast", "workers": 4} else 0.0}, open("/logs/verifier/reward.json", "w"))
PY
