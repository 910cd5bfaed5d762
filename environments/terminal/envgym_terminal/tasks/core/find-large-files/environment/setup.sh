#!/bin/bash
set -euo pipefail
mkdir -p data/a/b data/c "data/with space"
head -c 3000000 /dev/zero > data/a/b/big.bin
head -c 1048576 /dev/zero > data/exactly_1MiB.bin
head -c 1048577 /dev/zero > data/c/just_over.dat
head -c 2000000 /dev/zero > "data/with space/mid file.log"
head -c 500000 /dev/zero > data/a/small.bin
for i in $(seq 1 30); do echo "$i" > data/c/tiny_$i.txt; done
ln -s a/b/big.bin data/link_to_big
