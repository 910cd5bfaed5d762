#!/bin/bash
set -euo pipefail
mkdir -p incoming stage
for b in 1 2 3 4; do
  rm -rf stage/*
  for i in 1 2 3; do echo "batch $b item $i" > "stage/b${b}_item${i}.txt"; done
  head -c 4000 /dev/urandom > "stage/b${b}_payload.bin"
  (cd stage && zip -q "../incoming/batch$b.zip" *)
done
rm -rf stage
# Damage batch3 in the middle of its compressed data (its size and name stay plausible).
size=$(stat -c %s incoming/batch3.zip)
printf 'CORRUPTCORRUPTCORRUPT' | dd of=incoming/batch3.zip bs=1 seek=$((size / 2)) conv=notrunc status=none
