#!/bin/bash
set -euo pipefail
/usr/bin/python3 - <<'PY'
import collections
lat = collections.defaultdict(list)
for line in open("requests.log"):
    kv = dict(part.split("=", 1) for part in line.split())
    if kv["status"] == "200":
        lat[kv["path"]].append(int(kv["duration_ms"]))
with open("latency.csv", "w") as out:
    out.write("endpoint,requests,avg_ms\n")
    for ep in sorted(lat):
        v = lat[ep]
        out.write(f"{ep},{len(v)},{sum(v) / len(v):.1f}\n")
PY
