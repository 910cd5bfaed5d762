#!/bin/bash
set -euo pipefail
find data -type f -size +1048576c -printf '%s\t%p\n' | sort -t$'\t' -k1,1nr | cut -f2- > large_files.txt
