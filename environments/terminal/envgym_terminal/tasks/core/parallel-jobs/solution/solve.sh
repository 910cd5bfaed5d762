#!/bin/bash
set -euo pipefail
ls jobs/*.txt | xargs -P 4 -n 1 ./process.sh
cat jobs/*.out | awk '{s += $1} END {print s}' > total.txt
