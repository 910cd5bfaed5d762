#!/bin/bash
set -euo pipefail
cat > stats.py <<'PY'
import sys

values = []
for raw in sys.stdin:
    text = raw.strip()
    if not text:
        continue
    try:
        values.append((float(text), text))
    except ValueError:
        print(f"not a number: {text!r}", file=sys.stderr)
        sys.exit(2)
print(f"count={len(values)}")
if values:
    print(f"mean={sum(v for v, _ in values) / len(values):.2f}")
    print(f"max={max(values)[1]}")
PY
