#!/bin/bash
set -euo pipefail
tr 'A-Z' 'a-z' < essay.txt | tr -d ',.;' | tr -s ' \n' '\n\n' | grep -v '^$' | sort | uniq -c \
  | sort -k1,1nr -k2,2 | head -5 | awk '{print $2, $1}' > top_words.txt
