#!/bin/bash
cat > /app/wc.py <<'PY'
import sys

with open(sys.argv[1]) as fh:
    print(len(fh.read().split()))
PY
