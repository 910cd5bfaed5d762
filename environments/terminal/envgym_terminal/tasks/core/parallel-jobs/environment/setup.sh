#!/bin/bash
set -euo pipefail
chmod +x process.sh
mkdir -p jobs
for i in $(seq 1 12); do echo $((i * 7)) > jobs/job$i.txt; done
