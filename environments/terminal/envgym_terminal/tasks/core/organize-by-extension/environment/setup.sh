#!/bin/bash
set -euo pipefail
mkdir -p inbox
for f in "report.PDF" "notes.txt" "photo 1.jpg" "photo 2.JPG" "data.tar.gz" "Makefile" "todo" "script.sh" "table.csv" "old notes.TXT"; do
  printf 'content of %s\n' "$f" > "inbox/$f"
done
