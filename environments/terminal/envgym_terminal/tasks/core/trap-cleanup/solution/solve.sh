#!/bin/bash
set -euo pipefail
cat > job.sh <<'SH'
#!/bin/bash
# Works for JOB_SECONDS seconds (default 60) while holding a lock.
cd "$(dirname "$0")"
cleanup() { rm -rf scratch job.lock; }
trap 'cleanup; exit 143' TERM
trap 'cleanup; exit 130' INT
touch job.lock
mkdir -p scratch
for i in $(seq "${JOB_SECONDS:-60}"); do
  echo "step $i" > scratch/progress
  sleep 1 & wait $!
done
cleanup
echo done
SH
chmod +x job.sh
