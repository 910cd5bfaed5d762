#!/bin/bash
# Works for JOB_SECONDS seconds (default 60) while holding a lock.
cd "$(dirname "$0")"
touch job.lock
mkdir -p scratch
for i in $(seq "${JOB_SECONDS:-60}"); do
  echo "step $i" > scratch/progress
  sleep 1
done
rm -rf scratch job.lock
echo done
