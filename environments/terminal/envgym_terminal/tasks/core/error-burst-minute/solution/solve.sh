#!/bin/bash
set -euo pipefail
grep -E 'code=5[0-9][0-9] ' gateway.log | cut -c2-17 | sort | uniq -c | sort -k1,1nr | head -1 | awk '{print $2, $3, $1}' > burst.txt
