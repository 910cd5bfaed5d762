#!/bin/bash
# Slow, single-file job: doubles the number in FILE after pretending to think.
set -e
f=$1
mkdir -p .running
touch ".running/$$"
sleep 1
echo $(( $(cat "$f") * 2 )) > "$f.out"
ls .running | wc -l >> .concurrency
rm -f ".running/$$"
