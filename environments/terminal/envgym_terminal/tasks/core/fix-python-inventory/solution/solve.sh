#!/bin/bash
set -euo pipefail
cat > inventory.py <<'PY'
import csv
import sys


def load(path):
    with open(path, newline="") as fh:
        reader = csv.reader(fh)
        next(reader, None)  # header
        return [(name, int(qty), int(level)) for name, qty, level in reader]


def needs_reorder(items):
    out = [it for it in items if it[1] < it[2]]
    return sorted(out, key=lambda it: (-(it[2] - it[1]), it[0]))


if __name__ == "__main__":
    for name, qty, level in needs_reorder(load(sys.argv[1])):
        print(f"{name}: {qty}/{level}")
PY
