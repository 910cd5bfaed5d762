#!/bin/bash
set -euo pipefail
w=$(mktemp -d)
printf 'the-answer-is-%s\n' 7f3a9c > "$w/secret.txt"
echo decoy > "$w/readme.txt"
(cd "$w" && zip -q level4.zip secret.txt readme.txt && rm secret.txt readme.txt)
mv "$w/level4.zip" "$w/data.dat"
xz -c "$w/data.dat" > "$w/inner.gz" && rm "$w/data.dat"
mkdir "$w/dir" && mv "$w/inner.gz" "$w/dir/" && echo 'not it' > "$w/dir/secret.txt.old"
tar -cf "$w/level2.tar" -C "$w" dir && rm -rf "$w/dir"
gzip -c "$w/level2.tar" > package.bin
rm -rf "$w"
