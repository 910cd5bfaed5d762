#!/bin/bash
set -euo pipefail
w=$(mktemp -d)
gzip -dc package.bin > "$w/l1.tar"
tar -xf "$w/l1.tar" -C "$w"
xz -dc "$w/dir/inner.gz" > "$w/l3.zip"
unzip -p "$w/l3.zip" secret.txt > secret.txt
rm -rf "$w"
