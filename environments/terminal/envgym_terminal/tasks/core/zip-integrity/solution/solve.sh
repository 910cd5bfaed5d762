#!/bin/bash
set -euo pipefail
mkdir -p extracted
for z in incoming/*.zip; do
  if unzip -tq "$z" >/dev/null 2>&1; then unzip -qo "$z" -d extracted; else basename "$z" > corrupt.txt; fi
done
