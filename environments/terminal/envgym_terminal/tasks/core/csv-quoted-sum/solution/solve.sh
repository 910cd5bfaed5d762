#!/bin/bash
set -euo pipefail
/usr/bin/python3 - > west_total.txt <<'PY'
import csv
rows = csv.DictReader(open("sales.csv", newline=""))
total = sum(float(r["amount"]) for r in rows if r["region"] == "west")
print(f"{total:.2f}")
PY
